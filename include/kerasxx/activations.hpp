// kx::activations: activation functions by their Keras name, for layers built from strings.
//
//   auto act = kx::activations::get("relu");          // a std::function over kx::ops::relu
//   kx::Tensor y = act(x);
//   kx::layers::Dense(64, "gelu");                    // what layers do with the name
//   for (const auto& name : kx::activations::names()) std::cout << name << '\n';
//
// Names follow Keras 3: linear, relu, leaky_relu, elu, selu, gelu, sigmoid, hard_sigmoid, tanh,
// softplus, softsign, silu, swish, softmax, log_softmax, exponential. Parameterised ones use the
// Keras defaults (leaky_relu slope 0.2, elu alpha 1, exact gelu, softmax over the last axis).
// An unknown name is a kx::Error that lists the valid ones.
#pragma once

#include <kerasxx/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace kx::activations {

using ActivationFunction = std::function<Tensor(const Tensor&)>;

ActivationFunction get(const std::string& identifier);

// Every name get() accepts, in the order above.
std::vector<std::string> names();

}  // namespace kx::activations
