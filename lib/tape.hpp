// Internal: how an op records itself for autograd. Each op in lib/ops writes its forward kernel
// and, right beside it, its backward kernel as a lambda passed to record():
//
//   Tensor y = ...forward...;
//   return record("relu", y, {x}, [y = y.detach()](const Tensor& dy, InputGrads& dx) {
//       // dx = dy * (y > 0)   [shape of x]
//       ...add into dx.acc(0)...
//   });
//
// Backward lambdas must capture the tensors they need with detach() (never the recorded output
// itself), or the output would own its own node and never be freed.
#pragma once

#include <kerasxx/tensor.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace kx::detail {

// The gradient accumulators of an op's inputs, handed to its backward kernel.
class InputGrads {
public:
    explicit InputGrads(const std::vector<Tensor>& inputs) : inputs_(inputs) {}
    // Whether input i needs a gradient at all (kernels skip the work otherwise).
    bool needs(std::size_t i) const { return inputs_[i].requires_grad(); }
    // Input i's gradient buffer, zero-filled on first use; kernels add into it.
    Tensor acc(std::size_t i);

private:
    const std::vector<Tensor>& inputs_;
};

using BackwardFn = std::function<void(const Tensor& dy, InputGrads& dx)>;

struct Node {
    const char* op;
    std::vector<Tensor> inputs;
    BackwardFn backward;
    std::weak_ptr<TensorImpl> output;
};

// Returns `output`, recorded as op(inputs) when gradients are enabled and an input requires one.
Tensor record(const char* op, Tensor output, std::vector<Tensor> inputs, BackwardFn backward);

}  // namespace kx::detail
