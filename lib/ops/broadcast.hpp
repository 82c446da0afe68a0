// Internal: numpy broadcasting for elementwise kernels, and its adjoint, Flashlight's sumAs.
//
//   Tensor y = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), "ops::add"));
//   broadcast_apply(y, a, b, [](float& o, float x, float z) { o = x + z; });
//   ...backward:  add_sum_as(dx.acc(1), dy);   // db += dy summed over the axes b was broadcast along
//
// Kernels are plain loops that GCC vectorises. The common cases (same shape, tensor op scalar,
// (B, N) op (N,)) take direct loops; anything else walks a StridedLoop.
#pragma once

#include <kerasxx/tensor.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

namespace kx::detail {

using Strides = std::vector<std::ptrdiff_t>;

// numpy's rule: shapes align on the right and each pair of dimensions is equal or contains a 1.
// `op` names the caller in the error: "ops::add: cannot broadcast shapes (2, 3) and (4,)".
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Row-major element strides of a contiguous tensor.
Strides contiguous_strides(const Shape& shape);

// Strides that read a contiguous tensor of shape `in` as if it had been broadcast to `out`:
// 0 along the axes it is stretched over. `in` must broadcast to `out`.
Strides broadcast_strides(const Shape& in, const Shape& out);

// Whether `small` (ignoring leading 1s) is the trailing part of `big`, so that broadcasting
// it to `big` repeats it end to end: the bias layout, (N,) or (1, N) against (B, N).
bool is_trailing(const Shape& small, const Shape& big);

// Sum of n contiguous floats, in 16 independent lanes so that GCC vectorises it.
float sum_contiguous(const float* p, std::size_t n);

// A row-major walk over `sizes` that reads N operands at given per-axis strides. Size-1 axes are
// dropped and adjacent axes merged wherever every operand is contiguous across them, so typical
// broadcasts collapse to one or two loops. run() calls
//   row(out_offset, offsets, n, strides)
// once per innermost row of n elements: out_offset is the row's start in a contiguous tensor of
// shape `sizes`, offsets[k] the row's start in operand k, strides[k] operand k's step along the row.
template <std::size_t N>
class StridedLoop {
public:
    StridedLoop(const Shape& sizes, const std::array<const Strides*, N>& strides) {
        empty_ = num_elements(sizes) == 0;
        for (std::size_t axis = 0; axis < sizes.size(); ++axis) {
            if (sizes[axis] == 1) continue;
            std::array<std::ptrdiff_t, N> s;
            for (std::size_t k = 0; k < N; ++k) s[k] = (*strides[k])[axis];
            if (!sizes_.empty() && mergeable(s, sizes[axis])) {
                sizes_.back() *= sizes[axis];
                strides_.back() = s;
            } else {
                sizes_.push_back(sizes[axis]);
                strides_.push_back(s);
            }
        }
    }

    template <class Row>
    void run(Row&& row) const {
        std::array<std::ptrdiff_t, N> offsets{};
        if (empty_) return;
        if (sizes_.empty()) {   // a single element
            row(std::size_t{0}, offsets, std::size_t{1}, offsets);
            return;
        }
        const std::size_t inner_axis = sizes_.size() - 1, n = sizes_.back();
        std::size_t rows = 1;
        for (std::size_t axis = 0; axis < inner_axis; ++axis) rows *= sizes_[axis];
        std::vector<std::size_t> index(inner_axis, 0);
        for (std::size_t r = 0; r < rows; ++r) {
            row(r * n, offsets, n, strides_[inner_axis]);
            for (std::size_t axis = inner_axis; axis-- > 0;) {   // odometer over the outer axes
                for (std::size_t k = 0; k < N; ++k) offsets[k] += strides_[axis][k];
                if (++index[axis] < sizes_[axis]) break;
                for (std::size_t k = 0; k < N; ++k)
                    offsets[k] -= strides_[axis][k] * static_cast<std::ptrdiff_t>(sizes_[axis]);
                index[axis] = 0;
            }
        }
    }

private:
    // Axis `axis - 1` (the last kept) followed by this one is a single axis for every operand.
    bool mergeable(const std::array<std::ptrdiff_t, N>& s, std::size_t size) const {
        for (std::size_t k = 0; k < N; ++k)
            if (strides_.back()[k] != s[k] * static_cast<std::ptrdiff_t>(size)) return false;
        return true;
    }

    bool empty_ = false;
    std::vector<std::size_t> sizes_;
    std::vector<std::array<std::ptrdiff_t, N>> strides_;
};

// Short rows are processed in tiles of this many floats, so inner loops stay long enough to
// vectorise: (B, H, W, 8) op (8,) runs 2.3x faster tiled.
inline constexpr std::size_t row_tile = 64;

// f(o[r + j], x[r + j], z[j]) over the n elements of o and x, in rows r of length m: the bias
// layout, (B, N) op (N,).
template <class F>
void apply_rows(float* o, const float* x, const float* z, std::size_t n, std::size_t m, F f) {
    std::size_t r = 0;
    if (2 * m <= row_tile && 2 * row_tile <= n) {
        float repeated[row_tile];   // z end to end, as often as fits
        const std::size_t width = row_tile / m * m;
        for (std::size_t t = 0; t < width; t += m) std::copy_n(z, m, repeated + t);
        for (; r + width <= n; r += width)
            for (std::size_t i = 0; i < width; ++i) f(o[r + i], x[r + i], repeated[i]);
    }
    for (; r < n; r += m)
        for (std::size_t j = 0; j < m; ++j) f(o[r + j], x[r + j], z[j]);
}

// f(out[i], a[i'], b[i'']) for every element of `out`, whose shape is the broadcast of a's and
// b's; f(float& o, float x, float z) assigns or accumulates into o. `out` may alias `a`.
template <class F>
void broadcast_apply(Tensor& out, const Tensor& a, const Tensor& b, F f) {
    float* o = out.data();
    const float* pa = a.data();
    const float* pb = b.data();
    const std::size_t n = out.size();
    // Equal element counts mean equal layouts: broadcasting never stretches such an operand.
    if (a.size() == n && b.size() == n) {
        for (std::size_t i = 0; i < n; ++i) f(o[i], pa[i], pb[i]);
    } else if (a.size() == n && b.size() == 1) {
        const float z = pb[0];
        for (std::size_t i = 0; i < n; ++i) f(o[i], pa[i], z);
    } else if (a.size() == 1 && b.size() == n) {
        const float x = pa[0];
        for (std::size_t i = 0; i < n; ++i) f(o[i], x, pb[i]);
    } else if (a.size() == n && is_trailing(b.shape(), out.shape())) {   // (B, N) op (N,)
        apply_rows(o, pa, pb, n, b.size(), f);
    } else if (b.size() == n && is_trailing(a.shape(), out.shape())) {   // (N,) op (B, N)
        apply_rows(o, pb, pa, n, a.size(), [f](float& r, float full, float row) { f(r, row, full); });
    } else {
        const Strides sa = broadcast_strides(a.shape(), out.shape()), sb = broadcast_strides(b.shape(), out.shape());
        StridedLoop<2>(out.shape(), {&sa, &sb}).run([&](std::size_t oo, const auto& off, std::size_t len, const auto& s) {
            float* po = o + oo;
            const float* x = pa + off[0];
            const float* z = pb + off[1];
            // Along a row each operand either advances (stride 1) or repeats one value (stride 0).
            if (s[0] && s[1]) {
                for (std::size_t j = 0; j < len; ++j) f(po[j], x[j], z[j]);
            } else if (s[0]) {
                for (std::size_t j = 0; j < len; ++j) f(po[j], x[j], z[0]);
            } else if (s[1]) {
                for (std::size_t j = 0; j < len; ++j) f(po[j], x[0], z[j]);
            } else {
                for (std::size_t j = 0; j < len; ++j) f(po[j], x[0], z[0]);
            }
        });
    }
}

// acc += scale * grad summed over the axes along which acc's shape broadcasts to grad's:
// Flashlight's sumAs, accumulating, for the gradient of a broadcast operand. Also a reduction:
// summing x into a keepdims-shaped accumulator sums over the reduced axes.
void add_sum_as(Tensor acc, const Tensor& grad, float scale = 1.0f);

// acc += sum_as(f(dy, other)), with f(dy, other) evaluated at the broadcast shape dy.shape():
// the gradient of one operand of a broadcasting binary op, e.g. d(a * b)/da = sum_as(dy * b, a).
// No temporary when acc already has dy's shape.
template <class F>
void add_broadcast_grad(Tensor acc, const Tensor& dy, const Tensor& other, F f) {
    if (acc.size() == dy.size()) {
        Tensor out = acc.reshaped(dy.shape());
        broadcast_apply(out, dy, other, [f](float& o, float g, float v) { o += f(g, v); });
        return;
    }
    Tensor full = Tensor::empty(dy.shape());
    broadcast_apply(full, dy, other, [f](float& o, float g, float v) { o = f(g, v); });
    add_sum_as(acc, full);
}

}  // namespace kx::detail
