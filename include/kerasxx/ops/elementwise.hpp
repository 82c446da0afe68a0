// Elementwise binary ops beyond arithmetic, with numpy broadcasting like kx::ops::add.
//
//   using namespace kx::ops;
//   kx::Tensor y = maximum(a, b);                        // (4, 3) and (3,) -> (4, 3)
//   kx::Tensor r = maximum(x, kx::Tensor::scalar(0));    // relu, written another way
//
// NaN propagates: if either operand is NaN the result is NaN, as in numpy and PyTorch.
// Gradients flow to the operand that was picked; where a and b are equal the gradient is split
// in half between them (PyTorch's convention: symmetric, so neither operand is favoured).
#pragma once

#include <kerasxx/tensor.hpp>

namespace kx::ops {

Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

}  // namespace kx::ops
