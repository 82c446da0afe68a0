// Internal: each layer family file lists the factories of its layers for the registry
// (layers/registry.cpp calls these explicitly when it builds its table: no static initialisers).
#pragma once

#include <kerasxx/layers/registry.hpp>

#include <map>
#include <string>

namespace kx::layers::detail {

using FactoryTable = std::map<std::string, LayerFactory>;

// A layer config's {"class_name": "GlorotUniform", "config": {...}} initializer entry, by its class
// name (its arguments are not restored yet: initializers have no from_config).
Handle<Initializer> initializer_of(const nlohmann::json& spec);

void register_convolutional_layers(FactoryTable& table);
void register_pooling_layers(FactoryTable& table);

}  // namespace kx::layers::detail
