// Internal: the argument checks the 2-D convolution ops share, so the same mistake gets the same
// message whichever op received it. `where` is the op's prefix, e.g. "ops::depthwise_conv2d: ".
#pragma once

#include "ops/window.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <string>

namespace kx::detail {

// x (batch, height, width, channels) and a rank-4 kernel whose axes `kernel_layout` names.
inline void require_conv_ranks(const std::string& where, const Tensor& x, const Tensor& kernel,
                               const char* kernel_layout) {
    if (x.rank() != 4 || kernel.rank() != 4)
        throw Error(where + "expected x of rank 4 (batch, height, width, channels) and kernel of rank 4 " +
                    kernel_layout + ", got shapes " + to_string(x.shape()) + " and " + to_string(kernel.shape()));
}

// x's channels against the kernel's axis `axis`, which `axis_name` ("third", "last") names.
inline void require_conv_channels(const std::string& where, const Shape& xs, const Shape& ks, std::size_t axis,
                                  const char* axis_name) {
    if (xs[3] != ks[axis])
        throw Error(where + "x " + to_string(xs) + " has " + std::to_string(xs[3]) + " channels but kernel " +
                    to_string(ks) + " expects " + std::to_string(ks[axis]) + " (its " + axis_name + " dimension)");
}

// An undefined bias, or one of shape (length,); `meaning` says what the length counts.
inline void require_conv_bias(const std::string& where, const Tensor& bias, std::size_t length, const char* meaning) {
    if (bias.defined() && bias.shape() != Shape{length})
        throw Error(where + "expected bias of shape " + to_string(Shape{length}) + " (" + meaning + "), got " +
                    to_string(bias.shape()));
}

inline void require_conv_window(const std::string& where, ops::Size2 strides, const std::string& padding,
                                 ops::Size2 dilation_rate) {
    if (strides.h == 0 || strides.w == 0)
        throw Error(where + "expected positive strides, got " + size2_string(strides));
    if (dilation_rate.h == 0 || dilation_rate.w == 0)
        throw Error(where + "expected a positive dilation_rate, got " + size2_string(dilation_rate));
    if (padding != "valid" && padding != "same")
        throw Error(where + "unknown padding '" + padding + "'; expected 'valid' or 'same'");
}

}  // namespace kx::detail
