// numpy's repeat along one axis. x viewed as (outer, dim, inner) around the axis becomes
// (outer, dim * repeats, inner); each inner block is contiguous, so both kernels copy or add
// whole blocks.
#include "ops/axes.hpp"
#include "tape.hpp"

#include <kerasxx/ops.hpp>

#include <algorithm>
#include <functional>
#include <numeric>

namespace kx::ops {

using detail::InputGrads;

Tensor repeat(const Tensor& x, std::size_t repeats, int axis) {
    const Shape& in = x.shape();
    const std::size_t a = detail::normalize_axis("ops::repeat", axis, in);
    const auto at = [&](std::size_t d) { return in.begin() + static_cast<std::ptrdiff_t>(d); };
    const std::size_t outer = std::accumulate(in.begin(), at(a), std::size_t{1}, std::multiplies<>());
    const std::size_t inner = std::accumulate(at(a + 1), in.end(), std::size_t{1}, std::multiplies<>());
    const std::size_t blocks = outer * in[a];   // x's (outer, dim) blocks, each `inner` long
    Shape out_shape = in;
    out_shape[a] *= repeats;

    Tensor y = Tensor::empty(out_shape);
    // y[o, d * repeats + k, :] = x[o, d, :]   [outer, dim * repeats, inner]
    const float* px = x.data();
    float* py = y.data();
    if (inner == 1) {   // repeating along the last axis: each element becomes a run
        for (std::size_t b = 0; b < blocks; ++b) std::fill_n(py + b * repeats, repeats, px[b]);
    } else {
        for (std::size_t b = 0; b < blocks; ++b)
            for (std::size_t k = 0; k < repeats; ++k) std::copy_n(px + b * inner, inner, py + (b * repeats + k) * inner);
    }
    return detail::record("repeat", y, {x}, [blocks, inner, repeats](const Tensor& dy, InputGrads& dx) {
        // dx[o, d, :] += sum over k of dy[o, d * repeats + k, :]   [outer, dim, inner]
        Tensor g = dx.acc(0);
        float* pg = g.data();
        const float* pdy = dy.data();
        for (std::size_t b = 0; b < blocks; ++b) {
            float* row = pg + b * inner;
            for (std::size_t k = 0; k < repeats; ++k) {
                const float* src = pdy + (b * repeats + k) * inner;
                for (std::size_t j = 0; j < inner; ++j) row[j] += src[j];
            }
        }
    });
}

}  // namespace kx::ops
