// Internal: models from Keras' config, and the compile config.
#pragma once

#include <kerasxx/model.hpp>

#include <nlohmann/json.hpp>

namespace kx::io {

// The layer registry's factory for "Functional": creates the Input tensors and the layers, then
// replays each layer's inbound_nodes once the tensors they read exist.
LayerHandle functional_from_config(const nlohmann::json& config);

// compile()'s arguments as Keras' compile config ({"optimizer", "loss", "metrics", "loss_weights"}),
// and back. Metrics given as identifiers stay identifiers; objects are serialized.
nlohmann::json compile_config(const CompileOptions& options);
CompileOptions compile_options_from_config(const nlohmann::json& config);

// JSON text to a value, refusing nesting deeper than max_depth (a hostile file cannot exhaust
// the stack); errors name `source`.
nlohmann::json parse_json(const std::string& text, const std::string& source, int max_depth = 64);

}  // namespace kx::io
