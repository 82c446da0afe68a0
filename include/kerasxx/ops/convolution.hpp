// Transposed and depthwise 2-D convolution, channels_last (NHWC) as Keras (conv2d and the Size2
// pair are in <kerasxx/ops.hpp>).
//
//   // Upsampling by 2: x (B, 8, 8, 16), kernel (3, 3, 32, 16) -> (B, 16, 16, 32)
//   kx::Tensor up = kx::ops::conv2d_transpose(x, kernel, bias, 2, "same");
//   // One 3x3 filter per channel, two outputs each: x (B, 8, 8, 16), kernel (3, 3, 16, 2) -> (B, 8, 8, 32)
//   kx::Tensor d = kx::ops::depthwise_conv2d(x, kernel, bias, 1, "same");
//
// Kernels are laid out as Keras stores them, so Keras weights load unchanged. Output lengths and
// the placement of "same" padding follow TF/Keras, the odd padding row/column at the bottom/right.
#pragma once

#include <kerasxx/ops.hpp>

#include <optional>
#include <string>

namespace kx::ops {

// The gradient of conv2d with respect to its input, as a layer (Keras' Conv2DTranspose).
// x (batch, height, width, channels); kernel (kernel_h, kernel_w, filters, channels); bias
// (filters,) or undefined. Each input pixel (i, j) adds x[i, j, :] . kernel[u, v]^T to output pixel
// (i * stride - pad_top + u * dilation, ...), per axis with K = (kernel - 1) * dilation + 1:
//   output_padding unset:  "valid": in * stride + max(K - stride, 0);  "same": in * stride
//   output_padding p:      "valid": (in - 1) * stride + K + p;          "same": (in - 1) * stride + K % 2 + p
// and pad_top = max((in - 1) * stride + K - out, 0) / 2 for "same", 0 for "valid" (as TF and Keras'
// JAX backend place it). output_padding must be smaller than the stride.
Tensor conv2d_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides = 1,
                        const std::string& padding = "valid", std::optional<Size2> output_padding = std::nullopt,
                        Size2 dilation_rate = 1);

// conv2d_transpose's output length along one axis, by the rule above (Keras' deconv_output_length);
// for layers' shape inference. padding "valid" or "same".
std::size_t conv_transpose_output_length(std::size_t in, std::size_t kernel, std::size_t stride,
                                         const std::string& padding, std::optional<std::size_t> output_padding,
                                         std::size_t dilation = 1);

// One convolution per input channel (Keras' DepthwiseConv2D). x (batch, height, width, channels);
// kernel (kernel_h, kernel_w, channels, depth_multiplier); bias (channels * depth_multiplier,) or
// undefined. Output channel c * depth_multiplier + m is channel c convolved with kernel[:, :, c, m].
// Output size and padding as conv2d.
Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides = 1,
                        const std::string& padding = "valid", Size2 dilation_rate = 1);

}  // namespace kx::ops
