// Normalization ops: batch, layer and group normalization as fused kernels (statistics, normalise,
// scale and shift in a few passes, with a backward kernel written beside each forward one).
//
//   using namespace kx::ops;
//   auto [y, mean, variance] = batch_norm(x, gamma, beta);        // x (B, H, W, C), gamma/beta (C,)
//   kx::Tensor z = batch_norm_inference(x, moving_mean, moving_variance, gamma, beta);
//   kx::Tensor t = layer_norm(h, gamma, beta);                    // over the last axis of h (B, T, D)
//   kx::Tensor g = group_norm(x, 8, gamma, beta);                 // 8 groups of C / 8 channels
//
// Channels are the last axis (channels_last, as Keras); put another axis last with transpose.
// gamma (scale) and beta (offset) may be undefined tensors: no scaling (1) or no shift (0).
// Variances are biased (divided by the count, not count - 1), as in Keras; epsilon's default is
// Keras' 1e-3 (PyTorch uses 1e-5). Each output element is
//   (x - mean) / sqrt(variance + epsilon) * gamma + beta.
#pragma once

#include <kerasxx/tensor.hpp>

#include <cstddef>
#include <vector>

namespace kx::ops {

struct BatchNormOutput {
    Tensor output;     // the shape of x, differentiable with respect to x, gamma and beta
    Tensor mean;       // (C,): the batch statistics, for the moving averages; not differentiable
    Tensor variance;   // (C,), biased
};

// Training-mode batch normalization of x (..., C): per-channel mean and variance over every other
// axis (all positions of all samples), then normalise, scale by gamma (C,) and shift by beta (C,).
BatchNormOutput batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float epsilon = 1e-3f);

// Inference-mode batch normalization of x (..., C) with given statistics mean (C,) and variance (C,)
// (a layer's moving averages). Differentiable with respect to all five tensors.
Tensor batch_norm_inference(const Tensor& x, const Tensor& mean, const Tensor& variance, const Tensor& gamma,
                            const Tensor& beta, float epsilon = 1e-3f);

// Layer normalization: each sample normalised over `axes` (any axes, not the first one in
// practice); gamma and beta have the shape of x along those axes, in increasing axis order, e.g.
// x (B, T, D) with axes {1, 2} takes gamma (T, D). Trailing axes run in place; others are
// transposed to the end and back.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const std::vector<int>& axes = {-1},
                  float epsilon = 1e-3f);

// Group normalization of x (B, ..., C): the C channels split into `groups` contiguous groups of
// C / groups; each (sample, group) normalised over its channels and all positions; then gamma (C,)
// and beta (C,) per channel. groups == C is instance normalization, groups == 1 layer
// normalization over everything but the batch. C must be divisible by groups.
Tensor group_norm(const Tensor& x, std::size_t groups, const Tensor& gamma, const Tensor& beta, float epsilon = 1e-3f);

}  // namespace kx::ops
