// Finite-difference gradient checks, for kerasxx's own ops and layers and for yours.
//
//   auto result = kx::testing::check_gradients(
//       [](const std::vector<kx::Tensor>& in) { return kx::ops::tanh(in[0] * in[1]); },
//       {kx::Tensor({3}, {0.1f, -0.5f, 2.f}), kx::Tensor({3}, {1.f, 2.f, 3.f})});
//   if (!result.ok) std::cerr << result.report;
//
//   MyLayer layer;                                        // a custom layer: checks d/d(input)
//   auto r = kx::testing::check_gradients(layer, x);     // and d/d(every trainable weight)
//
// The function's output is projected onto fixed random weights (so errors cannot cancel),
// then each input element is nudged by +-epsilon and the central difference is compared with
// autograd. Computation is float32, so keep inputs O(1) and away from kinks (relu at 0).
#pragma once

#include <kerasxx/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace kx {
class Layer;
}

namespace kx::testing {

struct GradientCheckOptions {
    float epsilon = 1e-2f;
    float tolerance = 1e-2f;   // on |numeric - analytic| / max(1, |numeric|, |analytic|)
};

struct GradientCheckResult {
    bool ok = true;
    float max_error = 0.0f;
    std::string report;   // one line per element that failed, "input 0 [3]: numeric 1.2 vs autograd 0.9"
};

using Function = std::function<Tensor(const std::vector<Tensor>&)>;

GradientCheckResult check_gradients(const Function& f, const std::vector<Tensor>& inputs,
                                    const GradientCheckOptions& options = {});

// Checks a layer's gradient with respect to its input and to each of its trainable weights.
// Builds the layer on the input's shape if needed; calls it with training = false.
GradientCheckResult check_gradients(Layer& layer, const Tensor& input, const GradientCheckOptions& options = {});

}  // namespace kx::testing
