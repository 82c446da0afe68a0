#include "weight_budget.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/layers/registry.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <cxxabi.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <typeinfo>

namespace kx {

namespace {
std::map<std::string, int>& name_counters() {
    static std::map<std::string, int> counters;
    return counters;
}

// "GlobalAveragePooling2D" -> "global_average_pooling2d", as Keras derives default names.
std::string snake_case(const std::string& class_name) {
    std::string out;
    for (std::size_t i = 0; i < class_name.size(); ++i) {
        const char c = class_name[i];
        if (std::isupper(static_cast<unsigned char>(c))) {
            const bool after_lower = i > 0 && std::islower(static_cast<unsigned char>(class_name[i - 1]));
            const bool before_lower = i + 1 < class_name.size() && std::islower(static_cast<unsigned char>(class_name[i + 1]));
            if (i > 0 && (after_lower || (before_lower && std::isupper(static_cast<unsigned char>(class_name[i - 1])))))
                out += '_';
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else {
            out += c;
        }
    }
    return out;
}
}  // namespace

std::string unique_object_name(const std::string& prefix) {
    const int n = name_counters()[prefix]++;
    return n == 0 ? prefix : prefix + "_" + std::to_string(n);
}

void backend::clear_session() { name_counters().clear(); }

Layer::Layer(std::string name) : name_(std::move(name)) {}
Layer::~Layer() = default;

void Layer::build(const Shape&) {}

Tensor Layer::call(const Tensor&, bool) {
    throw Error(describe() + ": call() is not implemented; a layer overrides call(tensor) or, for several inputs or "
                             "outputs, call_multi(tensors)");
}

namespace {
std::string count_of(std::size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

std::string shapes_string(const Shapes& shapes) {
    std::string out;
    for (const Shape& s : shapes) out += (out.empty() ? "" : ", ") + to_string(s);
    return "[" + out + "]";
}

// Calls nested inside another layer's call do not clear the losses: only the outermost one does.
thread_local int call_depth = 0;
struct CallDepth {
    CallDepth() { ++call_depth; }
    ~CallDepth() { --call_depth; }
    CallDepth(const CallDepth&) = delete;
    CallDepth& operator=(const CallDepth&) = delete;
};
}  // namespace

void Layer::build_multi(const Shapes& input_shapes) {
    // Several inputs reach call_multi() (which checks their number); a layer that needs weights
    // for them overrides this.
    if (input_shapes.size() == 1) build(input_shapes[0]);
}

Tensors Layer::call_multi(const Tensors& inputs, bool training) {
    if (inputs.size() != 1) {
        Shapes shapes;
        for (const Tensor& x : inputs) shapes.push_back(x.shape());
        throw Error(describe() + ": expected 1 input, got " + count_of(inputs.size(), "input") + " with shapes " +
                    shapes_string(shapes));
    }
    return {call(inputs[0], training)};
}

Shapes Layer::compute_output_shapes(const Shapes& input_shapes) {
    if (input_shapes.size() == 1) return {compute_output_shape(input_shapes[0])};
    // As compute_output_shape's default: run the layer on zeros with a batch of one.
    Tensors zeros;
    for (Shape shape : input_shapes) {
        for (std::size_t& d : shape)
            if (d == None) d = 1;
        zeros.emplace_back(shape);
    }
    NoGradGuard no_grad;
    Shapes out;
    for (const Tensor& y : call_multi(zeros, false)) {
        Shape shape = y.shape();
        if (!shape.empty()) shape[0] = None;
        out.push_back(shape);
    }
    return out;
}

std::string Layer::class_name() const {
    int status = 0;
    char* demangled = abi::__cxa_demangle(typeid(*this).name(), nullptr, nullptr, &status);
    std::string full = status == 0 && demangled ? demangled : typeid(*this).name();
    std::free(demangled);
    const auto colon = full.rfind("::");
    return colon == std::string::npos ? full : full.substr(colon + 2);
}

const std::string& Layer::name() const {
    // Named on first use rather than in the constructor, where the derived class is not yet known.
    if (name_.empty()) name_ = unique_object_name(snake_case(class_name()));
    return name_;
}

std::string Layer::describe() const { return class_name() + " '" + name() + "'"; }

nlohmann::json Layer::get_config() const { return {{"name", name()}, {"trainable", trainable_}}; }

void Layer::ensure_built(const Shape& input_shape) { ensure_built(Shapes{input_shape}); }

void Layer::ensure_built(const Shapes& input_shapes) {
    if (built_) return;
    Shapes symbolic = input_shapes;
    for (Shape& shape : symbolic) {
        if (shape.empty())
            throw Error(describe() + ": expected inputs with a batch dimension, got a scalar shape () among " +
                        shapes_string(input_shapes));
        shape[0] = None;
    }
    build_multi(symbolic);
    input_shapes_ = std::move(symbolic);
    built_ = true;
}

const Shapes& Layer::input_shapes() const {
    if (!built_) throw Error(describe() + ": the layer has not been built yet, so it has no input shape; call it first");
    return input_shapes_;
}

const Shape& Layer::input_shape() const {
    const Shapes& shapes = input_shapes();
    if (shapes.size() != 1)
        throw Error(describe() + ": the layer has " + count_of(shapes.size(), "input") + "; use input_shapes()");
    return shapes[0];
}

Shape Layer::output_shape() const {
    const Shapes shapes = const_cast<Layer*>(this)->compute_output_shapes(input_shapes());
    if (shapes.size() != 1)
        throw Error(describe() + ": the layer has " + count_of(shapes.size(), "output") + "; use compute_output_shapes()");
    return shapes[0];
}

Shape Layer::compute_output_shape(const Shape& input_shape) {
    Shape concrete = input_shape;
    for (std::size_t& d : concrete)
        if (d == None) d = 1;
    NoGradGuard no_grad;
    Shape out = call_multi({Tensor(concrete)}, false).at(0).shape();
    if (!out.empty() && !input_shape.empty() && input_shape[0] == None) out[0] = None;
    return out;
}

namespace {
// Whether `got` fits `built` (batch free, kx::None dimensions free).
bool fits(const Shape& built, const Shape& got) {
    if (got.size() != built.size()) return false;
    for (std::size_t d = 1; d < got.size(); ++d)
        if (built[d] != None && got[d] != built[d]) return false;
    return true;
}
}  // namespace

void Layer::check_input_shapes(const Shapes& got) const {
    // Weights fix the shapes a layer accepts; a layer without them (Flatten, Activation, a merge)
    // takes any shape its call() handles, as in Keras.
    if (weights_.empty()) return;
    bool compatible = got.size() == input_shapes_.size();
    for (std::size_t i = 0; compatible && i < got.size(); ++i) compatible = fits(input_shapes_[i], got[i]);
    if (!compatible) {
        const bool one = got.size() == 1 && input_shapes_.size() == 1;
        throw Error(describe() + ": expected input shape " + (one ? to_string(input_shapes_[0]) : shapes_string(input_shapes_)) +
                    ", got " + (one ? to_string(got[0]) : shapes_string(got)) +
                    " (the layer was built for the first shape it was called on)");
    }
}

Tensor Layer::operator()(const Tensor& inputs, bool training) {
    if (!inputs.defined()) throw Error(describe() + ": the input tensor is undefined");
    // The everyday path (Sequential, one input): no list is made unless building or failing.
    if (!built_) ensure_built(Shapes{inputs.shape()});
    if (!weights_.empty() && (input_shapes_.size() != 1 || !fits(input_shapes_[0], inputs.shape())))
        check_input_shapes({inputs.shape()});
    if (call_depth == 0) clear_losses();
    CallDepth depth;
    Tensor out = call(inputs, training);
    if (activity_regularizer_) add_loss((*activity_regularizer_)(out));
    return out;
}

Tensor Layer::operator()(const Tensors& inputs, bool training) {
    Tensors outputs = apply(inputs, training);
    if (outputs.size() != 1)
        throw Error(describe() + ": the layer has " + count_of(outputs.size(), "output") + "; call apply() to get them all");
    return outputs[0];
}

Tensors Layer::apply(const Tensors& inputs, bool training) {
    Shapes shapes;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].defined()) throw Error(describe() + ": input " + std::to_string(i) + " is undefined");
        shapes.push_back(inputs[i].shape());
    }
    ensure_built(shapes);
    check_input_shapes(shapes);
    if (call_depth == 0) clear_losses();
    CallDepth depth;
    Tensors outputs = call_multi(inputs, training);
    if (activity_regularizer_)
        for (const Tensor& out : outputs) add_loss((*activity_regularizer_)(out));
    return outputs;
}

// --- Symbolic calls -------------------------------------------------------------------------

std::shared_ptr<Layer> Layer::shared_for_graph(bool temporary) {
    if (std::shared_ptr<Layer> owner = weak_from_this().lock()) return owner;
    if (!temporary)
        throw Error(describe() + ": a layer called on symbolic tensors must be shared, so that the model can own it: "
                                 "hold it in a kx::LayerHandle (kx::LayerHandle layer = kx::layers::Dense(...);) or a "
                                 "std::shared_ptr, or call a temporary (kx::layers::Dense(...)(x))");
    const layers::LayerMover mover = layers::layer_mover(typeid(*this));
    if (!mover)
        throw Error(describe() + ": a temporary layer of a custom class called on symbolic tensors must be registered "
                                 "(kx::layers::register_layer<" + class_name() + ">(...)) so that the graph can take it, "
                                 "or held in a kx::LayerHandle");
    name();   // named before it moves, so that the moved layer keeps the name
    return mover(std::move(*this));
}

SymbolicTensors Layer::record_node(std::shared_ptr<Layer> self, const SymbolicTensors& inputs) {
    Shapes shapes;
    for (const SymbolicTensor& x : inputs) shapes.push_back(x.shape());
    if (shapes.empty()) throw Error(self->describe() + ": expected at least one input tensor, got none");
    self->ensure_built(shapes);
    self->check_input_shapes(shapes);
    Shapes outputs = self->compute_output_shapes(shapes);
    for (Shape& shape : outputs)
        if (!shape.empty()) shape[0] = None;
    auto node = std::make_shared<detail::GraphNode>(detail::GraphNode{self, inputs, std::move(outputs)});
    self->inbound_nodes_.push_back(node);
    SymbolicTensors results;
    for (std::size_t i = 0; i < node->output_shapes.size(); ++i) results.emplace_back(node, i);
    return results;
}

SymbolicTensors Layer::apply(const SymbolicTensors& inputs) & { return record_node(shared_for_graph(false), inputs); }
SymbolicTensors Layer::apply(const SymbolicTensors& inputs) && { return record_node(shared_for_graph(true), inputs); }

namespace {
SymbolicTensor only_output(SymbolicTensors outputs, const Layer& layer) {
    if (outputs.size() != 1)
        throw Error(layer.class_name() + " '" + layer.name() + "': the layer has " + count_of(outputs.size(), "output") +
                    "; call apply() to get them all");
    return outputs[0];
}
}  // namespace

SymbolicTensor Layer::operator()(const SymbolicTensor& inputs) & { return (*this)(SymbolicTensors{inputs}); }
SymbolicTensor Layer::operator()(const SymbolicTensor& inputs) && { return std::move(*this)(SymbolicTensors{inputs}); }
SymbolicTensor Layer::operator()(const SymbolicTensors& inputs) & {
    const std::shared_ptr<Layer> self = shared_for_graph(false);
    return only_output(record_node(self, inputs), *self);
}
SymbolicTensor Layer::operator()(const SymbolicTensors& inputs) && {
    const std::shared_ptr<Layer> self = shared_for_graph(true);
    return only_output(record_node(self, inputs), *self);
}

std::size_t Layer::inbound_node_count() const {
    return static_cast<std::size_t>(std::count_if(inbound_nodes_.begin(), inbound_nodes_.end(),
                                                  [](const auto& node) { return !node.expired(); }));
}

namespace {
std::shared_ptr<detail::GraphNode> live_node(const std::vector<std::weak_ptr<detail::GraphNode>>& nodes,
                                             std::size_t index, const Layer& layer, const char* what) {
    std::size_t live = 0;
    for (const auto& weak : nodes)
        if (auto node = weak.lock(); node && live++ == index) return node;
    throw Error(layer.class_name() + " '" + layer.name() + "': asked for the " + what + " of call " +
                std::to_string(index) + ", but the layer has " + count_of(live, "call") +
                " in live functional graphs; call it on kx::Input(...) tensors first");
}
}  // namespace

SymbolicTensors Layer::input_at(std::size_t node_index) const { return live_node(inbound_nodes_, node_index, *this, "input")->inputs; }

SymbolicTensors Layer::output_at(std::size_t node_index) const {
    const auto node = live_node(inbound_nodes_, node_index, *this, "output");
    SymbolicTensors outputs;
    for (std::size_t i = 0; i < node->output_shapes.size(); ++i) outputs.emplace_back(node, i);
    return outputs;
}

SymbolicTensor Layer::input() const {
    if (const std::size_t n = inbound_node_count(); n > 1)
        throw Error(describe() + ": the layer has been called " + std::to_string(n) +
                    " times, so it has several inputs; use input_at(call index)");
    SymbolicTensors inputs = input_at(0);
    if (inputs.size() != 1)
        throw Error(describe() + ": the layer has " + count_of(inputs.size(), "input") + "; use input_at(0)");
    return inputs[0];
}

SymbolicTensor Layer::output() const {
    if (const std::size_t n = inbound_node_count(); n > 1)
        throw Error(describe() + ": the layer has been called " + std::to_string(n) +
                    " times, so it has several outputs; use output_at(call index)");
    return only_output(output_at(0), *this);
}

// --- Losses ---------------------------------------------------------------------------------

Tensors Layer::losses() const {
    Tensors out = call_losses_;
    for (const auto& [weight, regularizer] : regularized_) out.push_back((*regularizer)(weight));
    return out;
}

void Layer::clear_losses() { call_losses_.clear(); }

void Layer::add_loss(const Tensor& loss) { call_losses_.push_back(loss); }

void Layer::set_activity_regularizer(std::shared_ptr<Regularizer> regularizer) { activity_regularizer_ = std::move(regularizer); }

Variable Layer::add_weight(const std::string& name, const Shape& shape, const Handle<Initializer>& initializer,
                           bool trainable) {
    return add_weight(name, shape, WeightOptions{.initializer = initializer, .trainable = trainable});
}

Variable Layer::add_weight(const std::string& name, const Shape& shape, WeightOptions options) {
    detail::WeightBudget::charge(this->name() + "/" + name, shape);
    Variable w(this->name() + "/" + name, (*options.initializer)(shape), options.trainable && trainable_);
    if (options.constraint) w.set_constraint(options.constraint);
    if (options.regularizer) regularized_.emplace_back(w, options.regularizer);
    weights_.push_back(w);
    declared_trainable_.push_back(options.trainable);
    return w;
}

std::vector<Variable> Layer::weights() const { return weights_; }

std::vector<Variable> Layer::trainable_weights() const {
    std::vector<Variable> out;
    for (const Variable& w : weights())
        if (w.trainable()) out.push_back(w);
    return out;
}

std::vector<Variable> Layer::non_trainable_weights() const {
    std::vector<Variable> out;
    for (const Variable& w : weights())
        if (!w.trainable()) out.push_back(w);
    return out;
}

std::vector<Tensor> Layer::get_weights() const {
    std::vector<Tensor> out;
    for (const Variable& w : weights()) out.push_back(w.clone());
    return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
    const std::vector<Variable> ws = weights();
    if (values.size() != ws.size())
        throw Error(describe() + ": set_weights expected a list of " + std::to_string(ws.size()) +
                    " tensors, got " + std::to_string(values.size()));
    for (std::size_t i = 0; i < ws.size(); ++i)
        if (values[i].shape() != ws[i].shape())
            throw Error(describe() + ": set_weights expected weight " + std::to_string(i) + " ('" + ws[i].name() +
                        "') of shape " + to_string(ws[i].shape()) + ", got " + to_string(values[i].shape()));
    for (std::size_t i = 0; i < ws.size(); ++i) Variable(ws[i]).assign(values[i]);
}

std::size_t Layer::count_params() const {
    std::size_t n = 0;
    for (const Variable& w : weights()) n += w.size();
    return n;
}

void Layer::set_trainable(bool trainable) {
    trainable_ = trainable;
    for (std::size_t i = 0; i < weights_.size(); ++i) weights_[i].set_trainable(trainable && declared_trainable_[i]);
}

}  // namespace kx
