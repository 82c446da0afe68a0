#include "tape.hpp"

#include <kerasxx/autograd.hpp>
#include <kerasxx/error.hpp>

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace kx {

namespace {
thread_local bool grad_mode = true;

void ensure_grad_buffer(detail::TensorImpl& impl) {
    if (!impl.grad) {
        impl.grad = std::make_shared<detail::Storage>(impl.storage->size());
        std::memset(impl.grad->data(), 0, impl.grad->size() * sizeof(float));
    }
}

// Nodes reachable from `root`, each after every node that consumes its output (reverse topological).
std::vector<detail::Node*> reverse_topological(detail::Node* root) {
    std::vector<detail::Node*> order;
    std::unordered_set<detail::Node*> visited{root};
    std::vector<std::pair<detail::Node*, std::size_t>> stack{{root, 0}};   // node, next input to visit
    while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->inputs.size()) {
            const auto& input = node->inputs[next++].impl();   // undefined inputs (no bias) have no node
            detail::Node* child = input ? input->grad_fn.get() : nullptr;
            if (child && visited.insert(child).second) stack.emplace_back(child, 0);
        } else {
            order.push_back(node);
            stack.pop_back();
        }
    }
    std::reverse(order.begin(), order.end());
    return order;
}

// Releasing the last handle to a long chain would destroy it recursively (node -> input tensor
// -> its node -> ...) and overflow the stack at a few 10^4 ops: the deleter first detaches the
// nodes that only this one keeps alive and releases them from a worklist, one level deep each.
void delete_node(detail::Node* node) {
    std::vector<std::shared_ptr<detail::Node>> pending;
    auto detach_inputs = [&pending](detail::Node& n) {
        for (const Tensor& input : n.inputs) {
            const auto& impl = input.impl();
            if (impl && impl.use_count() == 1 && impl->grad_fn) pending.push_back(std::move(impl->grad_fn));
        }
    };
    detach_inputs(*node);
    delete node;
    while (!pending.empty()) {
        std::shared_ptr<detail::Node> next = std::move(pending.back());
        pending.pop_back();
        if (next.use_count() == 1) detach_inputs(*next);
    }
}
}  // namespace

bool grad_enabled() { return grad_mode; }
NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

namespace detail {
Tensor InputGrads::acc(std::size_t i) {
    const Tensor& input = inputs_[i];
    ensure_grad_buffer(*input.impl());
    return input.grad();
}

Tensor record(const char* op, Tensor output, std::vector<Tensor> inputs, BackwardFn backward) {
    if (!grad_mode || std::none_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.requires_grad(); }))
        return output;
    output.impl()->grad_fn =
        std::shared_ptr<Node>(new Node{op, std::move(inputs), std::move(backward), output.impl()}, delete_node);
    output.impl()->requires_grad = true;
    return output;
}
}  // namespace detail

void backward(const Tensor& loss, const Tensor& seed) {
    if (!loss.defined()) throw Error("backward: the loss tensor is undefined");
    if (!loss.requires_grad())
        throw Error("backward: the loss does not depend on any variable that requires a gradient "
                    "(was it computed under NoGradGuard, or from non-trainable weights only?)");
    if (seed.defined() && seed.shape() != loss.shape())
        throw Error("backward: the seed gradient must have the loss's shape " + to_string(loss.shape()) + ", got " +
                    to_string(seed.shape()));
    if (!seed.defined() && loss.size() != 1)
        throw Error("backward: expected a loss with one element, got shape " + to_string(loss.shape()) +
                    "; reduce it (kx::ops::mean) or pass a seed gradient");
    detail::TensorImpl& root = *loss.impl();
    ensure_grad_buffer(root);
    float* root_grad = root.grad->data();
    if (!root.grad_fn) {   // the loss is itself a variable: its gradient accumulates like any leaf's
        for (std::size_t i = 0; i < root.grad->size(); ++i) root_grad[i] += seed.defined() ? seed.data()[i] : 1.0f;
        return;
    }
    if (seed.defined()) std::copy_n(seed.data(), seed.size(), root_grad);
    else root_grad[0] = 1.0f;

    NoGradGuard no_recording;   // backward kernels use ops too; they must not extend the graph
    for (detail::Node* node : reverse_topological(root.grad_fn.get())) {
        auto output = node->output.lock();
        if (!output || !output->grad) continue;   // nothing flowed into this node
        const Tensor dy = Tensor::from_impl(std::make_shared<detail::TensorImpl>(detail::TensorImpl{output->grad, output->shape, {}, {}, false, {}, true, {}}));
        detail::InputGrads dx(node->inputs);
        node->backward(dy, dx);
        if (output.get() != &root) output->grad.reset();   // intermediate gradients are not kept
    }
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Variable>& sources) {
    if (!target.defined()) throw Error("GradientTape::gradient: the target tensor is undefined");
    // Every leaf backward() would write to (the variables the target depends on, or the target
    // itself) gets a fresh gradient slot for the duration, then its own back: the tape leaves no
    // trace on any variable's accumulated gradient, listed in `sources` or not.
    std::vector<std::pair<detail::TensorImpl*, std::shared_ptr<detail::Storage>>> saved;
    auto set_aside = [&](detail::TensorImpl* leaf) {
        if (std::none_of(saved.begin(), saved.end(), [&](const auto& s) { return s.first == leaf; }))
            saved.emplace_back(leaf, std::move(leaf->grad));
    };
    if (target.impl()->grad_fn) {
        for (detail::Node* node : reverse_topological(target.impl()->grad_fn.get()))
            for (const Tensor& input : node->inputs)
                if (input.defined() && !input.impl()->grad_fn && input.requires_grad()) set_aside(input.impl().get());
    } else {
        set_aside(target.impl().get());
    }
    for (const Variable& v : sources) set_aside(v.impl().get());   // unused sources read as zeros

    std::vector<Tensor> grads;
    try {
        backward(target);
        for (const Variable& v : sources) {
            const Tensor g = v.grad();
            grads.push_back(g.defined() ? g.clone() : Tensor::zeros(v.shape()));
        }
    } catch (...) {
        for (auto& [leaf, grad] : saved) leaf->grad = std::move(grad);
        throw;
    }
    for (auto& [leaf, grad] : saved) leaf->grad = std::move(grad);
    return grads;
}

Variable::Variable(std::string name, const Tensor& initial_value, bool trainable) : Tensor(initial_value.clone()) {
    impl()->name = std::move(name);
    impl()->trainable = trainable;
    impl()->requires_grad = trainable;
}

const std::string& Variable::name() const { return impl()->name; }
bool Variable::trainable() const { return impl()->trainable; }
void Variable::set_trainable(bool trainable) {
    impl()->trainable = trainable;
    impl()->requires_grad = trainable;
}

void Variable::assign(const Tensor& value) {
    if (value.shape() != shape())
        throw Error("Variable '" + name() + "': cannot assign a value of shape " + to_string(value.shape()) +
                    " to a variable of shape " + to_string(shape()));
    copy_from(value);
}

const std::shared_ptr<Constraint>& Variable::constraint() const { return impl()->constraint; }
void Variable::set_constraint(std::shared_ptr<Constraint> constraint) { impl()->constraint = std::move(constraint); }

}  // namespace kx
