#include "ops/broadcast.hpp"

#include <kerasxx/error.hpp>

#include <algorithm>

namespace kx::detail {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    const std::size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (std::size_t i = 0; i < rank; ++i) {   // i counts from the right
        const std::size_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
        const std::size_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
        if (da != db && da != 1 && db != 1)
            throw Error(std::string(op) + ": cannot broadcast shapes " + to_string(a) + " and " + to_string(b) +
                        " (dimensions must be equal or 1 when aligned from the right)");
        out[rank - 1 - i] = da == 1 ? db : da;
    }
    return out;
}

Strides contiguous_strides(const Shape& shape) {
    Strides strides(shape.size());
    std::ptrdiff_t step = 1;
    for (std::size_t axis = shape.size(); axis-- > 0;) {
        strides[axis] = step;
        step *= static_cast<std::ptrdiff_t>(shape[axis]);
    }
    return strides;
}

Strides broadcast_strides(const Shape& in, const Shape& out) {
    const Strides own = contiguous_strides(in);
    Strides strides(out.size(), 0);
    // Right-aligned; leading axes of `in` beyond out's rank are size 1 and read nothing.
    for (std::size_t i = 0; i < std::min(in.size(), out.size()); ++i) {
        const std::size_t a = in.size() - 1 - i, o = out.size() - 1 - i;
        if (in[a] != 1 || out[o] == 1) strides[o] = own[a];
    }
    return strides;
}

bool is_trailing(const Shape& small, const Shape& big) {
    auto first = std::find_if(small.begin(), small.end(), [](std::size_t d) { return d != 1; });
    const auto n = static_cast<std::size_t>(small.end() - first);
    return n <= big.size() && std::equal(first, small.end(), big.end() - static_cast<std::ptrdiff_t>(n));
}

float sum_contiguous(const float* p, std::size_t n) {
    constexpr std::size_t lanes = 16;
    float partial[lanes] = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (std::size_t k = 0; k < lanes; ++k) partial[k] += p[i + k];
    float total = 0.0f;
    for (; i < n; ++i) total += p[i];
    for (float s : partial) total += s;
    return total;
}

void add_sum_as(Tensor acc, const Tensor& grad, float scale) {
    float* a = acc.data();
    const float* g = grad.data();
    const std::size_t n = grad.size();
    if (acc.size() == n) {
        for (std::size_t i = 0; i < n; ++i) a[i] += scale * g[i];
    } else if (acc.size() == 1) {
        a[0] += scale * sum_contiguous(g, n);
    } else if (is_trailing(acc.shape(), grad.shape())) {   // bias: sum the rows of (B, N) into (N,)
        const std::size_t m = acc.size();
        std::size_t r = 0;
        if (2 * m <= row_tile && 2 * row_tile <= n) {   // short rows: sum tiles of rows, then fold the tile
            float partial[row_tile] = {};
            const std::size_t width = row_tile / m * m;
            for (; r + width <= n; r += width)
                for (std::size_t i = 0; i < width; ++i) partial[i] += g[r + i];
            for (std::size_t t = 0; t < width; t += m)
                for (std::size_t j = 0; j < m; ++j) a[j] += scale * partial[t + j];
        }
        for (; r < n; r += m)
            for (std::size_t j = 0; j < m; ++j) a[j] += scale * g[r + j];
    } else {
        const Strides s_acc = broadcast_strides(acc.shape(), grad.shape());
        StridedLoop<1>(grad.shape(), {&s_acc}).run([&](std::size_t go, const auto& off, std::size_t len, const auto& s) {
            float* pa = a + off[0];
            const float* pg = g + go;
            if (s[0]) {
                for (std::size_t j = 0; j < len; ++j) pa[j] += scale * pg[j];
            } else {
                pa[0] += scale * sum_contiguous(pg, len);
            }
        });
    }
}

}  // namespace kx::detail
