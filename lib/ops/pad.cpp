// Constant padding. The input lands as one block inside a constant-filled output; the walk over
// the input merges contiguous axes (StridedLoop), so padding (B, H, W, C) along H and W copies
// whole W * C rows, and the gradient is the same walk reading the block back out.
#include "ops/broadcast.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <string>

namespace kx::ops {

using detail::InputGrads;

namespace {
// "((0, 0), (1, 2))", as Python prints the tuple.
std::string pad_width_string(const PadWidth& pad_width) {
    std::string s = "(";
    for (std::size_t d = 0; d < pad_width.size(); ++d) {
        s += d ? ", (" : "(";
        s += std::to_string(pad_width[d].first) + ", " + std::to_string(pad_width[d].second) + ")";
    }
    return s + (pad_width.size() == 1 ? ",)" : ")");
}
}  // namespace

Tensor pad(const Tensor& x, const PadWidth& pad_width, float constant_value) {
    const Shape& in = x.shape();
    if (pad_width.size() != in.size())
        throw Error("ops::pad: expected one (before, after) pair per axis of the input of shape " + to_string(in) +
                    " (" + std::to_string(in.size()) + " pairs), got " + std::to_string(pad_width.size()) + ": " +
                    pad_width_string(pad_width));
    Shape out_shape(in.size());
    for (std::size_t d = 0; d < in.size(); ++d) out_shape[d] = pad_width[d].first + in[d] + pad_width[d].second;
    // x[i] sits at y[origin + out_strides . i]: the output's strides, shifted by the `before` pads.
    const detail::Strides out_strides = detail::contiguous_strides(out_shape);
    std::ptrdiff_t origin = 0;
    for (std::size_t d = 0; d < in.size(); ++d) origin += static_cast<std::ptrdiff_t>(pad_width[d].first) * out_strides[d];

    Tensor y = Tensor::full(out_shape, constant_value);
    // y[origin + out_strides . i] = x[i]   [in], constant elsewhere   [out_shape]
    const float* px = x.data();
    float* py = y.data() + origin;
    const detail::StridedLoop<1> walk(in, {&out_strides});
    walk.run([&](std::size_t xo, const auto& off, std::size_t n, const auto& s) {
        if (s[0] == 1) {
            std::copy_n(px + xo, n, py + off[0]);
        } else {   // the row's axis is followed by size-1 axes that were padded
            for (std::size_t j = 0; j < n; ++j) py[off[0] + static_cast<std::ptrdiff_t>(j) * s[0]] = px[xo + j];
        }
    });
    return detail::record("pad", y, {x}, [walk, origin](const Tensor& dy, InputGrads& dx) {
        // dx[i] += dy[origin + out_strides . i]   [shape of x]: the padding gets no gradient
        Tensor g = dx.acc(0);
        float* pg = g.data();
        const float* pdy = dy.data() + origin;
        walk.run([&](std::size_t xo, const auto& off, std::size_t n, const auto& s) {
            for (std::size_t j = 0; j < n; ++j) pg[xo + j] += pdy[off[0] + static_cast<std::ptrdiff_t>(j) * s[0]];
        });
    });
}

}  // namespace kx::ops
