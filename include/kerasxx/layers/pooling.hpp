// Pooling layers, channels_last (batch, height, width, channels) as Keras.
//
//   kx::Sequential model({
//       kx::layers::Input({28, 28, 1}),
//       kx::layers::Conv2D(32, 3, {.activation = "relu"}),
//       kx::layers::MaxPooling2D(2),                                    // (26, 26) -> (13, 13)
//       kx::layers::AveragePooling2D({3, 3}, {.strides = 2, .padding = "same"}),   // -> (7, 7)
//       kx::layers::GlobalAveragePooling2D(),                           // -> (32,)
//       kx::layers::Dense(10, "softmax"),
//   });
//
//   kx::layers::MaxPooling1D(2)                               // (None, 100, 64) -> (None, 50, 64)
//   kx::layers::AveragePooling1D(3, {.strides = 1, .padding = "same"})   // -> (None, 100, 64)
//   kx::layers::GlobalMaxPooling1D()                          // (None, 100, 64) -> (None, 64)
//
// strides default to pool_size, as in Keras. padding "valid" drops the windows that would overrun
// the input; "same" pads so that output = ceil(input / stride) and pools over the real pixels only
// (an average divides by the number of real pixels in its window, like Keras/TF).
#pragma once

#include <kerasxx/layer.hpp>
#include <kerasxx/ops.hpp>

#include <optional>
#include <string>

namespace kx::layers {

using ops::Size2;

struct Pooling2DOptions {
    std::optional<Size2> strides = std::nullopt;   // pool_size when unset
    std::string padding = "valid";                 // "valid" or "same"
    std::string name = {};
};

// What MaxPooling2D and AveragePooling2D share: arguments, validation, output shape and config.
class Pooling2D : public Layer {
public:
    void build(const Shape& input_shape) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    Size2 pool_size() const { return pool_size_; }
    Size2 strides() const { return strides_; }
    const std::string& padding() const { return padding_; }

protected:
    Pooling2D(const char* class_name, Size2 pool_size, Pooling2DOptions options);   // class_name: for errors
    void check_input(const Shape& input_shape) const;   // rank 4, or a kx::Error naming the layer

    Size2 pool_size_;
    Size2 strides_;
    std::string padding_;
};

// The maximum of each pool_size window.
class MaxPooling2D : public Pooling2D {
public:
    using Options = Pooling2DOptions;
    explicit MaxPooling2D(Size2 pool_size = 2, Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

// The mean of each pool_size window's real (non-padded) pixels.
class AveragePooling2D : public Pooling2D {
public:
    using Options = Pooling2DOptions;
    explicit AveragePooling2D(Size2 pool_size = 2, Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

struct GlobalPoolingOptions {
    bool keepdims = false;   // (batch, 1, 1, channels) instead of (batch, channels), (batch, 1, features) in 1-D
    std::string name = {};
};
using GlobalPooling2DOptions = GlobalPoolingOptions;
using GlobalPooling1DOptions = GlobalPoolingOptions;

// What the global poolings share: a reduction over the spatial axes (height and width, or steps).
class GlobalPooling : public Layer {
public:
    void build(const Shape& input_shape) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    bool keepdims() const { return keepdims_; }

protected:
    // `rank`: the input rank the layer accepts, batch included (3 for 1D, 4 for 2D).
    GlobalPooling(std::size_t rank, GlobalPoolingOptions options);

    bool keepdims_;

private:
    std::size_t rank_;
};

// The mean over height and width of each channel.
class GlobalAveragePooling2D : public GlobalPooling {
public:
    using Options = GlobalPoolingOptions;
    explicit GlobalAveragePooling2D(Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

// The maximum over height and width of each channel.
class GlobalMaxPooling2D : public GlobalPooling {
public:
    using Options = GlobalPoolingOptions;
    explicit GlobalMaxPooling2D(Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

struct Pooling1DOptions {
    std::optional<std::size_t> strides = std::nullopt;   // pool_size when unset
    std::string padding = "valid";                       // "valid" or "same"
    std::string name = {};
};

// What MaxPooling1D and AveragePooling1D share. Input (batch, steps, features); the pooling runs
// through the 2-D ops on a (batch, 1, steps, features) view of the same storage.
class Pooling1D : public Layer {
public:
    void build(const Shape& input_shape) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    std::size_t pool_size() const { return pool_size_; }
    std::size_t strides() const { return strides_; }
    const std::string& padding() const { return padding_; }

protected:
    Pooling1D(const char* class_name, std::size_t pool_size, Pooling1DOptions options);   // class_name: for errors
    void check_input(const Shape& input_shape) const;   // rank 3, or a kx::Error naming the layer
    using Pool2D = Tensor (*)(const Tensor&, Size2, Size2, const std::string&);
    Tensor pool(const Tensor& inputs, Pool2D pool2d) const;   // pool2d on the height-1 view

    std::size_t pool_size_;
    std::size_t strides_;
    std::string padding_;
};

// The maximum of each pool_size window of steps.
class MaxPooling1D : public Pooling1D {
public:
    using Options = Pooling1DOptions;
    explicit MaxPooling1D(std::size_t pool_size = 2, Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

// The mean of each pool_size window's real (non-padded) steps.
class AveragePooling1D : public Pooling1D {
public:
    using Options = Pooling1DOptions;
    explicit AveragePooling1D(std::size_t pool_size = 2, Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

// The mean over the steps of each feature.
class GlobalAveragePooling1D : public GlobalPooling {
public:
    using Options = GlobalPoolingOptions;
    explicit GlobalAveragePooling1D(Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

// The maximum over the steps of each feature.
class GlobalMaxPooling1D : public GlobalPooling {
public:
    using Options = GlobalPoolingOptions;
    explicit GlobalMaxPooling1D(Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
};

}  // namespace kx::layers
