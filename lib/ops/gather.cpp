// take (gather) along an axis. params is seen as (outer, n, inner) around the axis, the output as
// (outer, count, inner) for `count` indices: each index copies one contiguous run of `inner` floats,
// and the backward adds that run back, so both kernels are memcpy-like loops over `inner`.
#include "ops/axes.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <sstream>
#include <vector>

namespace kx::ops {

using detail::InputGrads;
using detail::position;

namespace {

// The indices as row numbers, each checked to be an integer in [0, n).
std::vector<std::size_t> rows_of(const Tensor& indices, std::size_t n, std::size_t axis, const Shape& params_shape) {
    const float* t = indices.data();
    std::vector<std::size_t> rows(indices.size());
    for (std::size_t j = 0; j < rows.size(); ++j) {
        if (!(t[j] >= 0.0f && t[j] < static_cast<float>(n) && t[j] == static_cast<float>(static_cast<std::size_t>(t[j])))) {
            std::ostringstream msg;
            msg << "ops::take: expected integer indices in [0, " << n << ") for axis " << axis << " of params "
                << to_string(params_shape) << ", got " << t[j] << " at index " << position(j, indices.shape())
                << " of indices " << to_string(indices.shape());
            throw Error(msg.str());
        }
        rows[j] = static_cast<std::size_t>(t[j]);
    }
    return rows;
}

}  // namespace

Tensor take(const Tensor& params, const Tensor& indices, int axis) {
    if (!params.defined() || !indices.defined()) throw Error("ops::take: params and indices must be defined tensors");
    const Shape& ps = params.shape();
    if (ps.empty()) throw Error("ops::take: expected params of rank >= 1, got a scalar, shape ()");
    const std::size_t a = detail::normalize_axis("ops::take", axis, ps);
    const std::size_t n = ps[a];
    const std::size_t outer = num_elements(Shape(ps.begin(), ps.begin() + static_cast<std::ptrdiff_t>(a)));
    const std::size_t inner = num_elements(Shape(ps.begin() + static_cast<std::ptrdiff_t>(a) + 1, ps.end()));
    std::vector<std::size_t> rows = rows_of(indices, n, a, ps);
    const std::size_t count = rows.size();

    Shape out_shape(ps.begin(), ps.begin() + static_cast<std::ptrdiff_t>(a));
    out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
    out_shape.insert(out_shape.end(), ps.begin() + static_cast<std::ptrdiff_t>(a) + 1, ps.end());
    Tensor y = Tensor::empty(std::move(out_shape));

    // y[o, j, :] = params[o, rows[j], :]   [outer, count, inner]
    const float* p = params.data();
    float* out = y.data();
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t j = 0; j < count; ++j)
            std::copy_n(p + (o * n + rows[j]) * inner, inner, out + (o * count + j) * inner);

    return detail::record("take", y, {params},
                          [rows = std::move(rows), outer, n, inner](const Tensor& dy, InputGrads& dx) {
        // dparams[o, rows[j], :] += dy[o, j, :]   [outer, n, inner]: repeated rows accumulate
        float* gp = dx.acc(0).data();
        const float* g = dy.data();
        const std::size_t count = rows.size();
        for (std::size_t o = 0; o < outer; ++o)
            for (std::size_t j = 0; j < count; ++j) {
                float* dst = gp + (o * n + rows[j]) * inner;
                const float* src = g + (o * count + j) * inner;
                for (std::size_t k = 0; k < inner; ++k) dst[k] += src[k];
            }
    });
}

}  // namespace kx::ops
