#include "family_registration.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/core.hpp>
#include <kerasxx/layers/registry.hpp>
#include <kerasxx/layers/regularization.hpp>
#include <kerasxx/layers/reshaping.hpp>
#include <kerasxx/sequential.hpp>

#include <nlohmann/json.hpp>

#include <map>

namespace kx::layers {

namespace {
using json = nlohmann::json;

std::string name_of(const json& config) { return config.value("name", std::string()); }

Shape shape_of(const json& dims, bool skip_batch) {
    Shape shape;
    for (std::size_t i = skip_batch ? 1 : 0; i < dims.size(); ++i)
        shape.push_back(dims[i].is_null() || dims[i].get<long long>() < 0 ? None : dims[i].get<std::size_t>());
    return shape;
}

template <class L>
LayerHandle with_trainable(L layer, const json& config) {
    LayerHandle handle(std::move(layer));
    handle->set_trainable(config.value("trainable", true));
    return handle;
}

std::map<std::string, LayerFactory>& table() {
    static std::map<std::string, LayerFactory> factories{
        {"InputLayer", [](const json& c) { return LayerHandle(Input(shape_of(c.at("batch_shape"), true), name_of(c))); }},
        {"Dense", [](const json& c) {
             return with_trainable(Dense(c.at("units").get<std::size_t>(),
                                         {.activation = c.value("activation", "linear"),
                                          .use_bias = c.value("use_bias", true),
                                          .kernel_initializer = detail::initializer_of(c.at("kernel_initializer")),
                                          .bias_initializer = detail::initializer_of(c.at("bias_initializer")),
                                          .name = name_of(c)}),
                                   c);
         }},
        {"Activation", [](const json& c) { return with_trainable(Activation(c.at("activation").get<std::string>(), name_of(c)), c); }},
        {"Dropout", [](const json& c) { return with_trainable(Dropout(c.at("rate").get<float>(), name_of(c)), c); }},
        {"Flatten", [](const json& c) { return with_trainable(Flatten(name_of(c)), c); }},
        {"Reshape", [](const json& c) { return with_trainable(Reshape(shape_of(c.at("target_shape"), false), name_of(c)), c); }},
        {"Sequential", [](const json& c) {
             std::vector<LayerHandle> layers;
             for (const json& layer : c.at("layers")) layers.push_back(deserialize(layer));
             return with_trainable(Sequential(std::move(layers), name_of(c)), c);
         }},
    };
    detail::register_convolutional_layers(factories);
    detail::register_pooling_layers(factories);
    return factories;
}
}  // namespace

Handle<Initializer> detail::initializer_of(const json& spec) {
    return Initializer::get(spec.at("class_name").get<std::string>());
}

void register_layer(const std::string& class_name, LayerFactory factory) { table()[class_name] = std::move(factory); }

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
