// Layers from their Keras config: the one explicit table of built-in layers, plus yours.
//
//   nlohmann::json config = {{"class_name", "Dense"}, {"config", dense.get_config()}};
//   kx::LayerHandle copy = kx::layers::deserialize(config);      // a new, unbuilt Dense
//
//   kx::layers::register_layer<Scale>("Scale", [](const nlohmann::json&) { return kx::LayerHandle(Scale()); });
//
// Registration is an explicit call (not a static initialiser, which static linking can drop).
// The typed form also lets a temporary Scale()(x) move into a functional graph.
#pragma once

#include <kerasxx/layer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <typeindex>
#include <vector>

namespace kx::layers {

using LayerFactory = std::function<LayerHandle(const nlohmann::json& config)>;

// Moves a layer object of the registered dynamic type into shared ownership.
using LayerMover = std::shared_ptr<Layer> (*)(Layer&& layer);

// Registers (or replaces) the factory for `class_name`.
void register_layer(const std::string& class_name, LayerFactory factory);
void register_layer_type(std::type_index type, LayerMover mover);
template <std::derived_from<Layer> L>
void register_layer(const std::string& class_name, LayerFactory factory) {
    register_layer_type(typeid(L), [](Layer&& layer) -> std::shared_ptr<Layer> {
        return std::make_shared<L>(std::move(static_cast<L&>(layer)));
    });
    register_layer(class_name, std::move(factory));
}
// The mover for `type`, or null if the type was not registered.
LayerMover layer_mover(std::type_index type);
// {"class_name": ..., "config": {...}} -> a new layer; unknown class names list the known ones.
LayerHandle deserialize(const nlohmann::json& layer_config);
std::vector<std::string> registered_layers();

}  // namespace kx::layers
