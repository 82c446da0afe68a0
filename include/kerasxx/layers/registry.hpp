// Layers from their Keras config: the one explicit table of built-in layers, plus yours.
//
//   nlohmann::json config = {{"class_name", "Dense"}, {"config", dense.get_config()}};
//   kx::LayerHandle copy = kx::layers::deserialize(config);      // a new, unbuilt Dense
//
//   kx::layers::register_layer("Scale", [](const nlohmann::json&) { return kx::LayerHandle(Scale()); });
//
// Registration is an explicit call (not a static initialiser, which static linking can drop).
#pragma once

#include <kerasxx/layer.hpp>

#include <functional>
#include <string>
#include <vector>

namespace kx::layers {

using LayerFactory = std::function<LayerHandle(const nlohmann::json& config)>;

// Registers (or replaces) the factory for `class_name`.
void register_layer(const std::string& class_name, LayerFactory factory);
// {"class_name": ..., "config": {...}} -> a new layer; unknown class names list the known ones.
LayerHandle deserialize(const nlohmann::json& layer_config);
std::vector<std::string> registered_layers();

}  // namespace kx::layers
