// Convolutional layers, channels_last (NHWC) as Keras: inputs (batch, height, width, channels), or
// (batch, steps, channels) for Conv1D.
//
//   kx::Sequential model({
//       kx::layers::Input({28, 28, 1}),
//       kx::layers::Conv2D(32, 3, {.activation = "relu"}),                          // (None, 26, 26, 32)
//       kx::layers::SeparableConv2D(64, 3, {.strides = 2, .padding = "same"}),      // (None, 13, 13, 64)
//       kx::layers::DepthwiseConv2D(3, {.depth_multiplier = 2, .padding = "same"}), // (None, 13, 13, 128)
//       kx::layers::Conv2DTranspose(16, 3, {.strides = 2, .padding = "same"}),      // (None, 26, 26, 16)
//   });
//   kx::layers::Conv1D(8, 5, {.padding = "causal", .dilation_rate = 2});          // (batch, steps, 8)
//
// Kernels are stored as Keras stores them, so Keras weights load unchanged:
//   Conv1D           kernel (kernel_size, channels / groups, filters)
//   Conv2D           kernel (kernel_h, kernel_w, channels / groups, filters)
//   Conv2DTranspose  kernel (kernel_h, kernel_w, filters, channels)
//   DepthwiseConv2D  kernel (kernel_h, kernel_w, channels, depth_multiplier)
//   SeparableConv2D  depthwise_kernel (kernel_h, kernel_w, channels, depth_multiplier),
//                    pointwise_kernel (1, 1, channels * depth_multiplier, filters)
// plus a bias of one value per output channel when use_bias. padding "valid" or "same" (TF's
// split: the odd padding row/column goes at the bottom/right); Conv1D also takes "causal" (the
// whole padding on the left, so output t sees inputs up to t only). Regularizers' penalties join
// losses(); constraints apply after each optimizer update. Unlike Keras, strides > 1 may be
// combined with dilation_rate > 1.
#pragma once

#include <kerasxx/activations.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/ops.hpp>

#include <optional>
#include <string>

namespace kx::layers {

struct Conv1DOptions {
    std::size_t strides = 1;
    std::string padding = "valid";
    std::size_t dilation_rate = 1;
    std::size_t groups = 1;
    std::string activation = "linear";
    bool use_bias = true;
    Handle<Initializer> kernel_initializer = "glorot_uniform";
    Handle<Initializer> bias_initializer = "zeros";
    Handle<Regularizer> kernel_regularizer = {};
    Handle<Regularizer> bias_regularizer = {};
    Handle<Regularizer> activity_regularizer = {};
    Handle<Constraint> kernel_constraint = {};
    Handle<Constraint> bias_constraint = {};
    std::string name = {};
};

// activation(conv1d(inputs, kernel) + bias) over (batch, steps, channels). With groups > 1 the
// channels and filters split into that many independent convolutions.
class Conv1D : public Layer {
public:
    using Options = Conv1DOptions;
    Conv1D(std::size_t filters, std::size_t kernel_size, Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    std::size_t filters() const { return filters_; }
    std::size_t kernel_size() const { return kernel_size_; }
    const Options& options() const { return options_; }
    const Variable& kernel() const { return kernel_; }
    const Variable& bias() const { return bias_; }

private:
    std::size_t filters_;
    std::size_t kernel_size_;
    Options options_;
    activations::ActivationFunction activation_;
    Variable kernel_, bias_;
};

struct Conv2DOptions {
    ops::Size2 strides = 1;
    std::string padding = "valid";
    ops::Size2 dilation_rate = 1;
    std::size_t groups = 1;
    std::string activation = "linear";
    bool use_bias = true;
    Handle<Initializer> kernel_initializer = "glorot_uniform";
    Handle<Initializer> bias_initializer = "zeros";
    Handle<Regularizer> kernel_regularizer = {};
    Handle<Regularizer> bias_regularizer = {};
    Handle<Regularizer> activity_regularizer = {};
    Handle<Constraint> kernel_constraint = {};
    Handle<Constraint> bias_constraint = {};
    std::string name = {};
};

// activation(conv2d(inputs, kernel) + bias). With groups > 1 the channels and filters split into
// that many independent convolutions (both must divide evenly).
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

struct Conv2DTransposeOptions {
    ops::Size2 strides = 1;
    std::string padding = "valid";
    std::optional<ops::Size2> output_padding = std::nullopt;   // each smaller than its stride
    ops::Size2 dilation_rate = 1;
    std::string activation = "linear";
    bool use_bias = true;
    Handle<Initializer> kernel_initializer = "glorot_uniform";
    Handle<Initializer> bias_initializer = "zeros";
    Handle<Regularizer> kernel_regularizer = {};
    Handle<Regularizer> bias_regularizer = {};
    Handle<Regularizer> activity_regularizer = {};
    Handle<Constraint> kernel_constraint = {};
    Handle<Constraint> bias_constraint = {};
    std::string name = {};
};

// activation(conv2d_transpose(inputs, kernel) + bias): upsampling by the strides. Output size per
// axis (K the dilated kernel): "same" in * stride, "valid" in * stride + max(K - stride, 0); with
// output_padding p, (in - 1) * stride + K + p ("valid") or (in - 1) * stride + K % 2 + p ("same").
class Conv2DTranspose : public Layer {
public:
    using Options = Conv2DTransposeOptions;
    Conv2DTranspose(std::size_t filters, ops::Size2 kernel_size, Options options = {});

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

struct DepthwiseConv2DOptions {
    ops::Size2 strides = 1;
    std::string padding = "valid";
    std::size_t depth_multiplier = 1;
    ops::Size2 dilation_rate = 1;
    std::string activation = "linear";
    bool use_bias = true;
    Handle<Initializer> depthwise_initializer = "glorot_uniform";
    Handle<Initializer> bias_initializer = "zeros";
    Handle<Regularizer> depthwise_regularizer = {};
    Handle<Regularizer> bias_regularizer = {};
    Handle<Regularizer> activity_regularizer = {};
    Handle<Constraint> depthwise_constraint = {};
    Handle<Constraint> bias_constraint = {};
    std::string name = {};
};

// activation(depthwise_conv2d(inputs, kernel) + bias): each input channel convolved with its own
// depth_multiplier filters; output channel c * depth_multiplier + m comes from channel c.
class DepthwiseConv2D : public Layer {
public:
    using Options = DepthwiseConv2DOptions;
    explicit DepthwiseConv2D(ops::Size2 kernel_size, Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    ops::Size2 kernel_size() const { return kernel_size_; }
    const Options& options() const { return options_; }
    const Variable& kernel() const { return kernel_; }
    const Variable& bias() const { return bias_; }

private:
    ops::Size2 kernel_size_;
    Options options_;
    activations::ActivationFunction activation_;
    Variable kernel_, bias_;
};

struct SeparableConv2DOptions {
    ops::Size2 strides = 1;
    std::string padding = "valid";
    ops::Size2 dilation_rate = 1;
    std::size_t depth_multiplier = 1;
    std::string activation = "linear";
    bool use_bias = true;
    Handle<Initializer> depthwise_initializer = "glorot_uniform";
    Handle<Initializer> pointwise_initializer = "glorot_uniform";
    Handle<Initializer> bias_initializer = "zeros";
    Handle<Regularizer> depthwise_regularizer = {};
    Handle<Regularizer> pointwise_regularizer = {};
    Handle<Regularizer> bias_regularizer = {};
    Handle<Regularizer> activity_regularizer = {};
    Handle<Constraint> depthwise_constraint = {};
    Handle<Constraint> pointwise_constraint = {};
    Handle<Constraint> bias_constraint = {};
    std::string name = {};
};

// activation(conv2d(depthwise_conv2d(inputs, depthwise_kernel), pointwise_kernel) + bias): a
// depthwise convolution, then a 1x1 convolution that mixes the channels into `filters`.
class SeparableConv2D : public Layer {
public:
    using Options = SeparableConv2DOptions;
    SeparableConv2D(std::size_t filters, ops::Size2 kernel_size, Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    std::size_t filters() const { return filters_; }
    ops::Size2 kernel_size() const { return kernel_size_; }
    const Options& options() const { return options_; }
    const Variable& depthwise_kernel() const { return depthwise_kernel_; }
    const Variable& pointwise_kernel() const { return pointwise_kernel_; }
    const Variable& bias() const { return bias_; }

private:
    std::size_t filters_;
    ops::Size2 kernel_size_;
    Options options_;
    activations::ActivationFunction activation_;
    Variable depthwise_kernel_, pointwise_kernel_, bias_;
};

}  // namespace kx::layers
