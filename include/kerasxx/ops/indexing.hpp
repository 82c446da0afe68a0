// Indexing ops: slices of a tensor picked by integer indices.
//
//   kx::Tensor table({3, 2}, {0, 1,
//                             10, 11,
//                             20, 21});
//   kx::Tensor rows = kx::ops::take(table, kx::Tensor({2, 2}, {2, 0, 2, 1}));   // (2, 2, 2): rows 2, 0, 2, 1
//   kx::Tensor cols = kx::ops::take(table, kx::Tensor({1}, {1}), -1);            // (3, 1): 1, 11, 21
//
// Indices are integer values stored as floats, like labels elsewhere in kerasxx (exact up to 2^24).
#pragma once

#include <kerasxx/tensor.hpp>

namespace kx::ops {

// Keras' ops.take (numpy.take): the slices of `params` along `axis` at `indices`, each an integer in
// [0, params.dim(axis)); anything else (negative, fractional, too large, NaN) is a kx::Error.
// Output shape: params.shape[:axis] + indices.shape + params.shape[axis+1:].
// Differentiable with respect to params: the gradient is scattered back into the taken slices, so a
// slice taken twice receives the sum of both gradients. Indices receive no gradient.
Tensor take(const Tensor& params, const Tensor& indices, int axis = 0);

}  // namespace kx::ops
