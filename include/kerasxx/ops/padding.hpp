// Padding and repetition along axes: the ops behind ZeroPadding, UpSampling and RepeatVector.
// (Cropping is ops::slice.)
//
//   using namespace kx::ops;
//   Tensor p = pad(x, {{0, 0}, {1, 1}, {2, 0}, {0, 0}});   // (B, H, W, C) -> (B, H + 2, W + 2, C)
//   Tensor q = pad(x, {{0, 0}, {1, 1}}, -1.0f);           // (B, N) -> (B, N + 2), -1 at both ends
//   Tensor u = repeat(x, 2, 1);                            // (B, H, W, C) -> (B, 2H, W, C): each row twice
//
// Names follow keras.ops.pad (pad_width, constant values) and keras.ops.repeat (numpy's element
// repeat: [a, b] -> [a, a, b, b], not the tiling [a, b, a, b]).
#pragma once

#include <kerasxx/tensor.hpp>

#include <utility>
#include <vector>

namespace kx::ops {

// One (before, after) pair per axis of the input: how many values to add at each end.
using PadWidth = std::vector<std::pair<std::size_t, std::size_t>>;

// x surrounded by `constant_value` along every axis.
Tensor pad(const Tensor& x, const PadWidth& pad_width, float constant_value = 0.0f);

// Each element of x `repeats` times in a row along `axis` (negative counts from the end).
Tensor repeat(const Tensor& x, std::size_t repeats, int axis);

}  // namespace kx::ops
