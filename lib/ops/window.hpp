// Internal: TF's "valid"/"same" rule for sliding windows (convolution and pooling, ops and layers),
// written once.
#pragma once

#include <kerasxx/ops.hpp>

#include <string>

namespace kx::detail {

struct WindowAxis {
    std::size_t out;          // output positions along the axis
    std::size_t pad_before;   // zero rows before the input ("same" only); the odd one goes after
};

// One spatial axis. The window spans (window - 1) * dilation + 1 inputs. "valid": the windows that
// fit (0 when the span is longer than the input); "same": ceil(in / stride) outputs.
inline WindowAxis window_axis(std::size_t in, std::size_t window, std::size_t stride, std::size_t dilation, bool same) {
    const std::size_t span = (window - 1) * dilation + 1;
    if (!same) return {span > in ? 0 : (in - span) / stride + 1, 0};
    const std::size_t out = (in + stride - 1) / stride;
    const std::size_t needed = out == 0 ? 0 : (out - 1) * stride + span;
    return {out, needed > in ? (needed - in) / 2 : 0};
}

// "(3, 3)". Built by appending: GCC 12 warns falsely (-Wrestrict) on "(" + std::to_string(...).
inline std::string size2_string(ops::Size2 s) {
    std::string out = "(";
    out += std::to_string(s.h) + ", " + std::to_string(s.w) + ")";
    return out;
}

}  // namespace kx::detail
