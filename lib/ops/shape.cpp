// Shape manipulation. reshape shares storage (row-major data does not move); transpose, concat
// and slice copy, and their gradients scatter back into the input's layout.
#include "ops/broadcast.hpp"
#include "ops/axes.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <functional>
#include <numeric>

namespace kx::ops {

using detail::InputGrads;
using detail::axes_string;
using detail::normalize_axis;

namespace {
std::size_t product(Shape::const_iterator first, Shape::const_iterator last) {
    return std::accumulate(first, last, std::size_t{1}, std::multiplies<>());
}

// x viewed as (outer, dim(axis) * inner): the rows that concat and slice copy between.
struct Rows {
    std::size_t outer, inner;   // elements before and after `axis`, exclusive
};
Rows rows_around(const Shape& shape, std::size_t axis) {
    return {product(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(axis)),
            product(shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, shape.end())};
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
    Shape resolved = shape;
    const auto inferred = std::find(resolved.begin(), resolved.end(), None);
    if (inferred != resolved.end()) {
        if (std::find(inferred + 1, resolved.end(), None) != resolved.end())
            throw Error("ops::reshape: only one dimension can be None (inferred), got " + to_string(shape));
        *inferred = 1;
        const std::size_t known = num_elements(resolved);
        if (known == 0 || x.size() % known != 0)
            throw Error("ops::reshape: cannot reshape " + to_string(x.shape()) + " (" + std::to_string(x.size()) +
                        " elements) into " + to_string(shape) + ": " + std::to_string(x.size()) +
                        " is not a multiple of " + std::to_string(known));
        *inferred = x.size() / known;
    }
    if (num_elements(resolved) != x.size())
        throw Error("ops::reshape: cannot reshape " + to_string(x.shape()) + " (" + std::to_string(x.size()) +
                    " elements) into " + to_string(resolved) + " (" + std::to_string(num_elements(resolved)) +
                    " elements)");
    return detail::record("reshape", x.reshaped(resolved), {x}, [](const Tensor& dy, InputGrads& dx) {
        // dx = dy   [shape of x]: same elements, same order
        Tensor g = dx.acc(0);
        float* pg = g.data();
        const float* pdy = dy.data();
        for (std::size_t i = 0; i < g.size(); ++i) pg[i] += pdy[i];
    });
}

Tensor transpose(const Tensor& x, const Axes& perm) {
    const Shape& in = x.shape();
    const std::size_t rank = in.size();
    std::vector<std::size_t> axes(rank);
    if (perm.empty()) {
        std::iota(axes.rbegin(), axes.rend(), std::size_t{0});
    } else {
        std::vector<bool> seen(rank, false);
        const auto bad_perm = [&] {
            return Error("ops::transpose: expected perm to be a permutation of the " + std::to_string(rank) +
                         " axes of shape " + to_string(in) + ", got " + axes_string(perm));
        };
        if (perm.size() != rank) throw bad_perm();
        for (std::size_t k = 0; k < rank; ++k) {
            const int a = perm[k] < 0 ? perm[k] + static_cast<int>(rank) : perm[k];
            if (a < 0 || a >= static_cast<int>(rank) || seen[static_cast<std::size_t>(a)]) throw bad_perm();
            seen[static_cast<std::size_t>(a)] = true;
            axes[k] = static_cast<std::size_t>(a);
        }
    }
    // Output axis k walks input axis axes[k]: the input strides, permuted.
    const detail::Strides in_strides = detail::contiguous_strides(in);
    Shape out_shape(rank);
    detail::Strides gather(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        out_shape[k] = in[axes[k]];
        gather[k] = in_strides[axes[k]];
    }
    Tensor y = Tensor::empty(out_shape);
    // y[i] = x[gather . index(i)]   [out_shape]
    const float* px = x.data();
    float* py = y.data();
    detail::StridedLoop<1>(out_shape, {&gather}).run([&](std::size_t yo, const auto& off, std::size_t n, const auto& s) {
        for (std::size_t j = 0; j < n; ++j) py[yo + j] = px[off[0] + static_cast<std::ptrdiff_t>(j) * s[0]];
    });
    return detail::record("transpose", y, {x}, [out_shape, gather](const Tensor& dy, InputGrads& dx) {
        // dx[gather . index(i)] += dy[i]   [shape of x]: the same walk, scattering back
        Tensor g = dx.acc(0);
        float* pg = g.data();
        const float* pdy = dy.data();
        detail::StridedLoop<1>(out_shape, {&gather}).run([&](std::size_t o, const auto& off, std::size_t n, const auto& s) {
            for (std::size_t j = 0; j < n; ++j) pg[off[0] + static_cast<std::ptrdiff_t>(j) * s[0]] += pdy[o + j];
        });
    });
}

Tensor concat(const std::vector<Tensor>& xs, int axis) {
    if (xs.empty()) throw Error("ops::concat: expected at least one tensor, got an empty list");
    const Shape& first = xs[0].shape();
    if (first.empty()) throw Error("ops::concat: cannot concatenate scalars (rank 0); reshape them to (1,) first");
    const std::size_t a = normalize_axis("ops::concat", axis, first);
    Shape out_shape = first;
    out_shape[a] = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const Shape& s = xs[i].shape();
        if (s.size() != first.size())
            throw Error("ops::concat: expected tensors of rank " + std::to_string(first.size()) + " like input 0 " +
                        to_string(first) + ", got input " + std::to_string(i) + " with shape " + to_string(s));
        for (std::size_t d = 0; d < s.size(); ++d)
            if (d != a && s[d] != first[d])
                throw Error("ops::concat: expected input " + std::to_string(i) + " to match input 0 " + to_string(first) +
                            " on every axis except axis " + std::to_string(axis) + ", got shape " + to_string(s));
        out_shape[a] += s[a];
    }
    // y = [x0 | x1 | ...] along axis: each of the `outer` rows is the inputs' rows end to end.
    const Rows rows = rows_around(out_shape, a);
    const std::size_t out_row = out_shape[a] * rows.inner;
    std::vector<std::size_t> in_rows;   // each input's row length
    for (const Tensor& x : xs) in_rows.push_back(x.shape()[a] * rows.inner);
    Tensor y = Tensor::empty(out_shape);
    for (std::size_t i = 0, offset = 0; i < xs.size(); offset += in_rows[i++])
        for (std::size_t r = 0; r < rows.outer; ++r)
            std::copy_n(xs[i].data() + r * in_rows[i], in_rows[i], y.data() + r * out_row + offset);
    return detail::record("concat", y, xs, [outer = rows.outer, out_row, in_rows](const Tensor& dy, InputGrads& dx) {
        // dx_i[r, :] += dy[r, offset_i : offset_i + row_i]   [shape of x_i]
        for (std::size_t i = 0, offset = 0; i < in_rows.size(); offset += in_rows[i++]) {
            if (!dx.needs(i)) continue;
            Tensor g = dx.acc(i);
            for (std::size_t r = 0; r < outer; ++r) {
                float* pg = g.data() + r * in_rows[i];
                const float* pdy = dy.data() + r * out_row + offset;
                for (std::size_t j = 0; j < in_rows[i]; ++j) pg[j] += pdy[j];
            }
        }
    });
}

Tensor slice(const Tensor& x, int axis, std::size_t start, std::size_t stop) {
    const std::size_t a = normalize_axis("ops::slice", axis, x.shape());
    const std::size_t dim = x.shape()[a];
    if (start > stop || stop > dim)
        throw Error("ops::slice: expected 0 <= start <= stop <= " + std::to_string(dim) + " along axis " +
                    std::to_string(axis) + " of shape " + to_string(x.shape()) + ", got start=" + std::to_string(start) +
                    " stop=" + std::to_string(stop));
    Shape out_shape = x.shape();
    out_shape[a] = stop - start;
    const Rows rows = rows_around(x.shape(), a);
    const std::size_t in_row = dim * rows.inner, out_row = out_shape[a] * rows.inner, skip = start * rows.inner;
    Tensor y = Tensor::empty(out_shape);
    // y[r, :] = x[r, start * inner : stop * inner]   for each of the `outer` rows
    for (std::size_t r = 0; r < rows.outer; ++r) std::copy_n(x.data() + r * in_row + skip, out_row, y.data() + r * out_row);
    return detail::record("slice", y, {x}, [rows, in_row, out_row, skip](const Tensor& dy, InputGrads& dx) {
        // dx[r, start * inner : stop * inner] += dy[r, :]   [shape of x], zero elsewhere
        Tensor g = dx.acc(0);
        for (std::size_t r = 0; r < rows.outer; ++r) {
            float* pg = g.data() + r * in_row + skip;
            const float* pdy = dy.data() + r * out_row;
            for (std::size_t j = 0; j < out_row; ++j) pg[j] += pdy[j];
        }
    });
}

}  // namespace kx::ops
