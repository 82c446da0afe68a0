// Reverse-mode automatic differentiation over a dynamic tape.
//
//   kx::Variable w("w", kx::Tensor({2}, {1.f, 2.f}));
//   kx::Tensor loss = kx::ops::sum(kx::ops::square(w));
//   kx::backward(loss);                  // w.grad() == {2, 4}
//
//   kx::GradientTape tape;               // or, Keras-style: gradients of a loss w.r.t. variables
//   auto grads = tape.gradient(loss, {w});
//
//   { kx::NoGradGuard no_grad; model.predict(x); }   // nothing recorded, no tape cost
//
// Every op in kx::ops records itself (inputs and a backward kernel) on the tensor it returns,
// when gradients are enabled and one of its inputs requires a gradient. backward() walks that
// graph once in reverse topological order (iteratively, so deep graphs do not overflow the
// stack) and adds each op's input gradients into the inputs' grad buffers, so a tensor used
// twice receives the sum of both gradients.
#pragma once

#include <kerasxx/tensor.hpp>

#include <string>
#include <vector>

namespace kx {

// A tensor that an optimizer updates: a layer weight. Copies share the same storage.
class Variable : public Tensor {
public:
    Variable() = default;
    Variable(std::string name, const Tensor& initial_value, bool trainable = true);

    const std::string& name() const;
    bool trainable() const;
    void set_trainable(bool trainable);
    void assign(const Tensor& value);   // in-place; the shape must match
    // A projection (kx::Constraint) the optimizers apply after each update of this variable.
    const std::shared_ptr<Constraint>& constraint() const;
    void set_constraint(std::shared_ptr<Constraint> constraint);
};

// Fills the gradients of every variable `loss` depends on. `loss` must hold one element unless
// `seed` (d(result)/d(loss), same shape as loss) is given. Gradients accumulate until zero_grad().
void backward(const Tensor& loss, const Tensor& seed = Tensor());

// Keras/TF-style: the gradients of `target` with respect to `sources` (zero where unused). Unlike
// backward(), it leaves every variable's accumulated gradient exactly as it found it.
class GradientTape {
public:
    std::vector<Tensor> gradient(const Tensor& target, const std::vector<Variable>& sources);
};

bool grad_enabled();

// Disables recording for its lifetime (thread-local), like torch.no_grad().
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

}  // namespace kx
