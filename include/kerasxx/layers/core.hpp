// Core layers: Input, Dense, Activation, Identity.
//
//   kx::Sequential model({
//       kx::layers::Input({784}),
//       kx::layers::Dense(256, {.activation = "relu", .kernel_regularizer = kx::regularizers::L2(1e-4),
//                               .kernel_constraint = "max_norm"}),
//       kx::layers::Dense(10, {.activation = "softmax", .kernel_initializer = "he_normal"}),
//   });
#pragma once

#include <kerasxx/activations.hpp>
#include <kerasxx/layer.hpp>

#include <concepts>
#include <string>

namespace kx::layers {

// The model's input: its shape without the batch dimension. Keras' InputLayer; as a layer, identity.
class Input : public Layer {
public:
    explicit Input(Shape shape, std::string name = {});
    Tensor call(const Tensor& inputs, bool training) override;
    nlohmann::json get_config() const override;
    std::string class_name() const override { return "InputLayer"; }
    const Shape& shape() const { return shape_; }   // without the batch dimension

private:
    Shape shape_;
};

struct DenseOptions {
    std::string activation = "linear";
    bool use_bias = true;
    Handle<Initializer> kernel_initializer = "glorot_uniform";
    Handle<Initializer> bias_initializer = "zeros";
    Handle<Regularizer> kernel_regularizer = {};     // its penalty joins layer.losses()
    Handle<Regularizer> bias_regularizer = {};
    Handle<Regularizer> activity_regularizer = {};   // penalty on the output, added after each call
    Handle<Constraint> kernel_constraint = {};       // applied after each optimizer update
    Handle<Constraint> bias_constraint = {};
    std::string name = {};
};

// activation(inputs . kernel + bias), applied on the last axis. kernel: (input_dim, units).
class Dense : public Layer {
public:
    using Options = DenseOptions;
    explicit Dense(std::size_t units, Options options = {});
    // Dense(10, "softmax", "class"). A template only so that GCC 12 does not also try to build a
    // std::string from a designated-initializer list meant for Options.
    template <std::convertible_to<std::string> S>
    explicit Dense(std::size_t units, S&& activation, std::string name = {})
        : Dense(units, Options{.activation = std::forward<S>(activation), .name = std::move(name)}) {}

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    std::size_t units() const { return units_; }
    const Variable& kernel() const { return kernel_; }
    const Variable& bias() const { return bias_; }

private:
    std::size_t units_;
    Options options_;
    activations::ActivationFunction activation_;
    Variable kernel_, bias_;
};

// Applies an activation function by name: Activation("relu").
class Activation : public Layer {
public:
    explicit Activation(std::string activation, std::string name = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
    nlohmann::json get_config() const override;

private:
    std::string activation_name_;
    activations::ActivationFunction activation_;
};

// Returns its input unchanged (Keras' Identity): a placeholder, e.g. for a branch with no transform.
class Identity : public Layer {
public:
    explicit Identity(std::string name = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
};

}  // namespace kx::layers
