// Convolutional layers, channels_last (NHWC) as Keras: inputs (batch, height, width, channels).
//
//   kx::Sequential model({
//       kx::layers::Input({28, 28, 1}),
//       kx::layers::Conv2D(32, 3, {.activation = "relu"}),                 // (None, 26, 26, 32)
//       kx::layers::Conv2D(64, {3, 3}, {.strides = 2, .padding = "same"}), // (None, 13, 13, 64)
//   });
//
// The kernel is stored as Keras stores it, (kernel_h, kernel_w, in_channels, filters), so Keras
// weights load unchanged. padding "valid" or "same" (TF's split: the odd padding row/column goes at
// the bottom/right). Unlike Keras, strides > 1 may be combined with dilation_rate > 1.
#pragma once

#include <kerasxx/activations.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/ops.hpp>

#include <string>

namespace kx::layers {

struct Conv2DOptions {
    ops::Size2 strides = 1;
    std::string padding = "valid";
    ops::Size2 dilation_rate = 1;
    std::string activation = "linear";
    bool use_bias = true;
    Handle<Initializer> kernel_initializer = "glorot_uniform";
    Handle<Initializer> bias_initializer = "zeros";
    std::string name = {};
};

// activation(conv2d(inputs, kernel) + bias). kernel: (kernel_h, kernel_w, input_channels, filters).
class Conv2D : public Layer {
public:
    using Options = Conv2DOptions;
    Conv2D(std::size_t filters, ops::Size2 kernel_size, Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    std::size_t filters() const { return filters_; }
    ops::Size2 kernel_size() const { return kernel_size_; }
    const Options& options() const { return options_; }
    const Variable& kernel() const { return kernel_; }
    const Variable& bias() const { return bias_; }

private:
    std::size_t filters_;
    ops::Size2 kernel_size_;
    Options options_;
    activations::ActivationFunction activation_;
    Variable kernel_, bias_;
};

}  // namespace kx::layers
