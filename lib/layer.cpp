#include <kerasxx/error.hpp>
#include <kerasxx/layer.hpp>

#include <nlohmann/json.hpp>

#include <cxxabi.h>

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

void Layer::ensure_built(const Shape& input_shape) {
    if (built_) return;
    if (input_shape.empty())
        throw Error(describe() + ": expected an input with a batch dimension, got a scalar shape ()");
    Shape symbolic = input_shape;
    symbolic[0] = None;
    build(symbolic);
    input_shape_ = std::move(symbolic);
    built_ = true;
}

const Shape& Layer::input_shape() const {
    if (!built_) throw Error(describe() + ": the layer has not been built yet, so it has no input shape; call it first");
    return input_shape_;
}

Shape Layer::output_shape() const { return const_cast<Layer*>(this)->compute_output_shape(input_shape()); }

Shape Layer::compute_output_shape(const Shape& input_shape) {
    Shape concrete = input_shape;
    for (std::size_t& d : concrete)
        if (d == None) d = 1;
    NoGradGuard no_grad;
    Shape out = call(Tensor(concrete), false).shape();
    if (!out.empty() && !input_shape.empty() && input_shape[0] == None) out[0] = None;
    return out;
}

Tensor Layer::operator()(const Tensor& inputs, bool training) {
    if (!inputs.defined()) throw Error(describe() + ": the input tensor is undefined");
    ensure_built(inputs.shape());
    const Shape& got = inputs.shape();
    bool compatible = got.size() == input_shape_.size();
    for (std::size_t i = 1; compatible && i < got.size(); ++i) compatible = got[i] == input_shape_[i];
    if (!compatible)
        throw Error(describe() + ": expected input shape " + to_string(input_shape_) + ", got " + to_string(got) +
                    " (the layer was built for the first shape it was called on)");
    return call(inputs, training);
}

Variable Layer::add_weight(const std::string& name, const Shape& shape, const Handle<Initializer>& initializer,
                           bool trainable) {
    Variable w(this->name() + "/" + name, (*initializer)(shape), trainable && trainable_);
    weights_.push_back(w);
    declared_trainable_.push_back(trainable);
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
