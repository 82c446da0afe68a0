// Inputs and checks shared by the convolution tests, whose reference values come from PyTorch
// scripts that rebuild the same inputs with pattern().
#pragma once

#include "support/values.hpp"

#include <kerasxx/tensor.hpp>

#include <vector>

// ((i * a) % m - s) / s for i = 0, 1, ...: small, varied, reproducible in Python.
inline kx::Tensor pattern(const kx::Shape& shape, std::size_t a, std::size_t m, float s) {
    kx::Tensor t = kx::Tensor::empty(shape);
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = (static_cast<float>((i * a) % m) - s) / s;
    return t;
}

// float32 results against the float64 PyTorch references.
inline void check_output(const kx::Tensor& y, const kx::Shape& shape, const std::vector<float>& expected) {
    check_values(y, shape, expected, 1e-5);
}
