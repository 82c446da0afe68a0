#include <kerasxx/error.hpp>
#include <kerasxx/layers/core.hpp>
#include <kerasxx/sequential.hpp>

#include <nlohmann/json.hpp>

namespace kx {

Sequential::Sequential(std::vector<LayerHandle> layers, std::string name) : Model(std::move(name)) {
    claim_name();
    for (LayerHandle& layer : layers) add(std::move(layer));
}

void Sequential::add(LayerHandle layer) {
    if (!layer) throw Error(describe() + ": add() expected a layer, got a null handle");
    if (auto* input = dynamic_cast<layers::Input*>(layer.get())) {
        if (declared_input_ || !layers_.empty())
            throw Error(describe() + ": an Input may only be the first layer of a Sequential model, got '" +
                        layer->name() + "' after " + std::to_string(layers_.size()) + " layer(s)");
        Shape shape{None};
        shape.insert(shape.end(), input->shape().begin(), input->shape().end());
        declared_input_ = shape;
        ensure_built(shape);
        return;
    }
    const std::string& name = layer->name();
    for (const auto& existing : layers_)
        if (existing->name() == name)
            throw Error(describe() + ": all layers added to a Sequential model should have unique names; '" +
                        layer->name() + "' is already in the model");
    if (layer.get() == this) throw Error(describe() + ": a model cannot be added to itself");
    layers_.push_back(layer);
    if (built()) update_graph();   // the newcomer is built on the shape it will receive
}

void Sequential::pop() {
    if (layers_.empty()) throw Error(describe() + ": there are no layers to pop");
    layers_.pop_back();
    if (built()) update_graph();
}

// Calls each layer not yet in the graph on the previous output, so that every layer has exactly
// one node from this model (its output() is well defined), then points the graph at the last.
void Sequential::update_graph() {
    if (!input_) input_ = kx::Input(Shape(input_shape().begin() + 1, input_shape().end()));
    if (layer_outputs_.size() > layers_.size()) layer_outputs_.erase(layer_outputs_.begin() + static_cast<long>(layers_.size()), layer_outputs_.end());
    while (layer_outputs_.size() < layers_.size()) {
        const SymbolicTensor& previous = layer_outputs_.empty() ? *input_ : layer_outputs_.back();
        layer_outputs_.push_back(layers_[layer_outputs_.size()]->apply(SymbolicTensors{previous}).at(0));
    }
    set_graph({*input_}, {layer_outputs_.empty() ? *input_ : layer_outputs_.back()});
}

void Sequential::build(const Shape& input_shape) {
    if (declared_input_ && (declared_input_->size() != input_shape.size() ||
                            !std::equal(declared_input_->begin() + 1, declared_input_->end(), input_shape.begin() + 1)))
        throw Error(describe() + ": expected input shape " + to_string(*declared_input_) + " (from its Input), got " +
                    to_string(input_shape));
    if (input_) return;   // built already (through its Input, or an earlier call)
    // Called from ensure_built, before the model counts as built: the graph uses the shape given.
    input_ = kx::Input(Shape(input_shape.begin() + 1, input_shape.end()));
    SymbolicTensor x = *input_;
    for (const auto& layer : layers_) {
        x = layer->apply(SymbolicTensors{x}).at(0);
        layer_outputs_.push_back(x);
    }
    set_graph({*input_}, {x});
}

Tensor Sequential::call(const Tensor& inputs, bool training) {
    Tensor x = inputs;
    for (const auto& layer : layers_) x = (*layer)(x, training);
    return x;
}

Shape Sequential::compute_output_shape(const Shape& input_shape) {
    Shape shape = input_shape;
    for (const auto& layer : layers_) shape = layer->compute_output_shape(shape);
    return shape;
}

nlohmann::json Sequential::get_config() const {
    nlohmann::json config = Layer::get_config();
    nlohmann::json list = nlohmann::json::array();
    if (declared_input_) {   // as Keras does, so that a model rebuilt from its config is built at once
        layers::Input input(Shape(declared_input_->begin() + 1, declared_input_->end()), "input_layer");
        list.push_back({{"class_name", input.class_name()}, {"config", input.get_config()}});
    }
    for (const auto& layer : layers_) list.push_back({{"class_name", layer->class_name()}, {"config", layer->get_config()}});
    config["layers"] = list;
    if (!declared_input_ && built()) {   // built by a first call or fit: Keras records the shape too
        config["build_input_shape"] = nlohmann::json::array();
        for (std::size_t d : input_shape()) config["build_input_shape"].push_back(d == None ? nlohmann::json() : nlohmann::json(d));
    }
    return config;
}

}  // namespace kx
