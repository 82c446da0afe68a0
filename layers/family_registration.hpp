// Internal: each layer family file lists the factories of its layers for the registry
// (layers/registry.cpp calls these explicitly when it builds its table: no static initialisers).
#pragma once

#include <kerasxx/error.hpp>
#include <kerasxx/layers/registry.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace kx::layers::detail {

using FactoryTable = std::map<std::string, LayerFactory>;

// Adds a built-in layer: its factory under its Keras class name, and its type (for temporaries
// called on symbolic tensors).
template <std::derived_from<Layer> L>
void add(FactoryTable& table, const std::string& class_name, LayerFactory factory) {
    register_layer_type(typeid(L), [](Layer&& layer) -> std::shared_ptr<Layer> {
        return std::make_shared<L>(std::move(static_cast<L&>(layer)));
    });
    table[class_name] = std::move(factory);
}

// Readers of config fields every family needs.
std::string name_of(const nlohmann::json& config);                    // "" when absent
Shape shape_of(const nlohmann::json& dims, bool skip_batch);          // null or -1 -> kx::None
LayerHandle with_trainable(LayerHandle layer, const nlohmann::json& config);   // applies "trainable"

// Keras configs may say "channels_last" or null (the default); channels_first is not supported.
inline void require_channels_last(const std::string& class_name, const nlohmann::json& config) {
    const nlohmann::json format = config.value("data_format", nlohmann::json());
    if (!format.is_null() && format != "channels_last")
        throw Error("layers::deserialize: " + class_name + " supports data_format 'channels_last' only, got " +
                    format.dump());
}

// A layer config's initializer entry, {"class_name": "RandomNormal", "config": {...}} or an
// identifier, with every argument (seed included) restored.
Handle<Initializer> initializer_of(const nlohmann::json& spec);

// One per layer family file, each listing its layers with add<L>().
void register_core_layers(FactoryTable& table);            // layers/core.cpp
void register_convolutional_layers(FactoryTable& table);   // layers/convolutional.cpp
void register_pooling_layers(FactoryTable& table);         // layers/pooling.cpp
void register_regularization_layers(FactoryTable& table);  // layers/regularization.cpp
void register_reshaping_layers(FactoryTable& table);       // layers/reshaping.cpp
void register_normalization_layers(FactoryTable& table);   // layers/normalization.cpp
void register_merging_layers(FactoryTable& table);         // layers/merging.cpp
void register_embedding_layers(FactoryTable& table);       // layers/embedding.cpp
void register_preprocessing_layers(FactoryTable& table);   // layers/preprocessing.cpp

}  // namespace kx::layers::detail
