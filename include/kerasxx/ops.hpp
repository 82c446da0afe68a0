// kx::ops: differentiable tensor operations. Each records itself for autograd when gradients
// are enabled (<kerasxx/autograd.hpp>) and has a finite-difference gradient test in test/lib/ops.
//
//   using namespace kx::ops;
//   kx::Tensor h = relu(matmul(x, w) + b);            // x (B, in), w (in, out), b (out,)
//   kx::Tensor p = softmax(h, -1);
//   kx::Tensor s = sum(square(p - t), {1}, /*keepdims=*/true);
//
// Binary ops broadcast like numpy. Axes may be negative (counted from the end).
#pragma once

#include <kerasxx/tensor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kx::ops {

using Axes = std::vector<int>;

// Elementwise arithmetic (broadcasting).
Tensor add(const Tensor& a, const Tensor& b);
Tensor subtract(const Tensor& a, const Tensor& b);
Tensor multiply(const Tensor& a, const Tensor& b);
Tensor divide(const Tensor& a, const Tensor& b);
Tensor negative(const Tensor& x);

// Elementwise math.
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor abs(const Tensor& x);
Tensor clip(const Tensor& x, float min_value, float max_value);

// Reductions over `axes` (all axes when empty).
Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);   // gradient to the (first) max

// Shape manipulation.
// One dimension may be kx::None (inferred). The result shares x's storage (no copy), like numpy.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x, const Axes& perm = {});   // reverses the axes when perm is empty
Tensor concat(const std::vector<Tensor>& xs, int axis);
Tensor slice(const Tensor& x, int axis, std::size_t start, std::size_t stop);   // [start, stop) along axis

// Linear algebra: (..., n, k) x (k, m) -> (..., n, m); both operands rank 2 in the common case.
Tensor matmul(const Tensor& a, const Tensor& b);

// Activations.
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.2f);   // Keras 3 default slope
Tensor elu(const Tensor& x, float alpha = 1.0f);
Tensor selu(const Tensor& x);
Tensor gelu(const Tensor& x, bool approximate = false);
Tensor sigmoid(const Tensor& x);
Tensor hard_sigmoid(const Tensor& x);   // Keras 3: relu6(x + 3) / 6
Tensor tanh(const Tensor& x);
Tensor softplus(const Tensor& x);
Tensor softsign(const Tensor& x);
Tensor silu(const Tensor& x);            // x * sigmoid(x)
inline Tensor swish(const Tensor& x) { return silu(x); }
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

// Zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate), drawing
// from the global generator (kx::utils::set_random_seed). Identity when rate is 0.
Tensor dropout(const Tensor& x, float rate);

// Convolution and pooling, channels_last (NHWC) as Keras. x (batch, height, width, channels);
// kernel (kernel_h, kernel_w, channels, filters) as Keras stores it; bias (filters,) or undefined.
// padding "valid" (no padding) or "same" (output = ceil(input / stride), zeros split as Keras/TF:
// the extra one at the bottom/right).
struct Size2 {
    Size2(std::size_t n) : h(n), w(n) {}                         // NOLINT: 3 means 3x3, as in Keras
    Size2(std::size_t h_, std::size_t w_) : h(h_), w(w_) {}
    std::size_t h, w;
    bool operator==(const Size2&) const = default;
};
Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides = 1,
              const std::string& padding = "valid", Size2 dilation_rate = 1);
Tensor max_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, const std::string& padding = "valid");
Tensor avg_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, const std::string& padding = "valid");

// Fused kernels for the hot path.
// dense: activation(x · kernel + bias); x (B, in), kernel (in, out), bias (out,) or undefined.
// `activation` is one of linear, relu, sigmoid, tanh (others: apply the activation op after).
Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias, const std::string& activation = "linear");
bool dense_fuses(const std::string& activation);
// Per-sample softmax cross-entropy from logits (B, C) and integer class labels (B,) stored as floats.
// Returns (B,). Labels out of [0, C) are a kx::Error.
Tensor sparse_softmax_cross_entropy(const Tensor& logits, const Tensor& labels);

}  // namespace kx::ops

// More ops, one header per family.
#include <kerasxx/ops/convolution.hpp>
#include <kerasxx/ops/elementwise.hpp>
#include <kerasxx/ops/indexing.hpp>
#include <kerasxx/ops/normalization.hpp>
#include <kerasxx/ops/padding.hpp>

namespace kx {
// Operators on tensors, so that model code reads like math.
inline Tensor operator+(const Tensor& a, const Tensor& b) { return ops::add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return ops::subtract(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return ops::multiply(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return ops::divide(a, b); }
inline Tensor operator-(const Tensor& x) { return ops::negative(x); }
inline Tensor operator+(const Tensor& a, float b) { return ops::add(a, Tensor::scalar(b)); }
inline Tensor operator-(const Tensor& a, float b) { return ops::subtract(a, Tensor::scalar(b)); }
inline Tensor operator*(const Tensor& a, float b) { return ops::multiply(a, Tensor::scalar(b)); }
inline Tensor operator/(const Tensor& a, float b) { return ops::divide(a, Tensor::scalar(b)); }
inline Tensor operator+(float a, const Tensor& b) { return ops::add(Tensor::scalar(a), b); }
inline Tensor operator-(float a, const Tensor& b) { return ops::subtract(Tensor::scalar(a), b); }
inline Tensor operator*(float a, const Tensor& b) { return ops::multiply(Tensor::scalar(a), b); }
inline Tensor operator/(float a, const Tensor& b) { return ops::divide(Tensor::scalar(a), b); }

// In place, for preparing data: `train.x /= 255.0f` rescales x's own buffer, where
// `x = train.x / 255.0f` holds two copies of a data set at once. b broadcasts to a's shape. Not
// recorded for autograd, so a tensor that requires a gradient is an error; tensors sharing a's
// storage (copies of the handle, reshaped views) see the change, as in numpy and PyTorch.
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
inline Tensor& operator+=(Tensor& a, float b) { return a += Tensor::scalar(b); }
inline Tensor& operator-=(Tensor& a, float b) { return a -= Tensor::scalar(b); }
inline Tensor& operator*=(Tensor& a, float b) { return a *= Tensor::scalar(b); }
inline Tensor& operator/=(Tensor& a, float b) { return a /= Tensor::scalar(b); }
}  // namespace kx
