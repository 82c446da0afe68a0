#include "family_registration.hpp"
#include "io/model_config.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/lambda.hpp>
#include <kerasxx/layers/registry.hpp>
#include <kerasxx/sequential.hpp>

#include <nlohmann/json.hpp>

#include <map>

namespace kx::layers {

namespace {
using json = nlohmann::json;

std::map<std::type_index, LayerMover>& movers() {
    static std::map<std::type_index, LayerMover> by_type;
    return by_type;
}

std::map<std::string, LayerFactory>& table() {
    static std::map<std::string, LayerFactory> factories = [] {
        detail::FactoryTable t;
        detail::register_core_layers(t);
        detail::register_convolutional_layers(t);
        detail::register_pooling_layers(t);
        detail::register_regularization_layers(t);
        detail::register_reshaping_layers(t);
        detail::register_normalization_layers(t);
        detail::register_merging_layers(t);
        detail::register_embedding_layers(t);
        detail::register_preprocessing_layers(t);
        detail::add<Sequential>(t, "Sequential", [](const json& c) {
            std::vector<LayerHandle> layers;
            for (const json& layer : c.at("layers")) layers.push_back(deserialize(layer));
            LayerHandle model = Sequential(std::move(layers), detail::name_of(c));
            if (c.contains("build_input_shape")) model->ensure_built(detail::shape_of(c["build_input_shape"], false));
            return detail::with_trainable(std::move(model), c);
        });
        detail::add<Lambda>(t, "Lambda", [](const json&) -> LayerHandle {
            throw Error("layers::deserialize: a Lambda holds C++ code, which a config cannot carry; write the function as "
                        "a custom layer and register it with kx::layers::register_layer<T>");
        });
        detail::add<Model>(t, "Functional", io::functional_from_config);
        return t;
    }();
    return factories;
}
}  // namespace

std::string detail::name_of(const json& config) { return config.value("name", std::string()); }

Shape detail::shape_of(const json& dims, bool skip_batch) {
    Shape shape;
    for (std::size_t i = skip_batch ? 1 : 0; i < dims.size(); ++i)
        shape.push_back(dims[i].is_null() || dims[i].get<long long>() < 0 ? None : dims[i].get<std::size_t>());
    return shape;
}

LayerHandle detail::with_trainable(LayerHandle layer, const json& config) {
    layer->set_trainable(config.value("trainable", true));
    return layer;
}

Handle<Initializer> detail::initializer_of(const json& spec) { return initializers::deserialize(spec); }

void register_layer(const std::string& class_name, LayerFactory factory) { table()[class_name] = std::move(factory); }

void register_layer_type(std::type_index type, LayerMover mover) { movers()[type] = mover; }

LayerMover layer_mover(std::type_index type) {
    table();   // the built-in types register with the table
    const auto it = movers().find(type);
    return it == movers().end() ? nullptr : it->second;
}

std::vector<std::string> registered_layers() {
    std::vector<std::string> names;
    for (const auto& [name, factory] : table()) names.push_back(name);
    return names;
}

LayerHandle deserialize(const json& layer_config) {
    if (!layer_config.is_object() || !layer_config.contains("class_name") || !layer_config["class_name"].is_string())
        throw Error("layers::deserialize: expected {\"class_name\": ..., \"config\": {...}}, got " + layer_config.dump());
    const std::string class_name = layer_config["class_name"].get<std::string>();
    const auto it = table().find(class_name);
    if (it == table().end()) {
        std::string known;
        for (const std::string& name : registered_layers()) known += (known.empty() ? "" : ", ") + name;
        throw Error("layers::deserialize: unknown layer class '" + class_name + "'. Known: [" + known +
                    "]; register custom layers with kx::layers::register_layer");
    }
    try {
        return it->second(layer_config.value("config", json::object()));
    } catch (const json::exception& e) {
        throw Error("layers::deserialize: invalid config for " + class_name + ": " + e.what());
    }
}

}  // namespace kx::layers
