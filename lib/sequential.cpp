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
    if (built()) {   // build the newcomer on the shape it will receive
        Shape shape = input_shape();
        for (std::size_t i = 0; i + 1 < layers_.size(); ++i) shape = layers_[i]->output_shape();
        layer->ensure_built(shape);
    }
}

void Sequential::pop() {
    if (layers_.empty()) throw Error(describe() + ": there are no layers to pop");
    layers_.pop_back();
}

void Sequential::build(const Shape& input_shape) {
    if (declared_input_ && (declared_input_->size() != input_shape.size() ||
                            !std::equal(declared_input_->begin() + 1, declared_input_->end(), input_shape.begin() + 1)))
        throw Error(describe() + ": expected input shape " + to_string(*declared_input_) + " (from its Input), got " +
                    to_string(input_shape));
    Shape shape = input_shape;
    for (const auto& layer : layers_) {
        layer->ensure_built(shape);
        shape = layer->compute_output_shape(shape);
    }
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
    return config;
}

}  // namespace kx
