// Saving and loading whole models: kerasxx's .kx file (the safetensors layout: the weights and the
// optimizer state as tensors, Keras' model config, the compile config and the format version in
// the header's __metadata__).
//
//   model.save("classifier.kx");                                    // atomic: old file or new, never half
//   std::shared_ptr<kx::Model> model = kx::models::load_model("classifier.kx");
//   model->predict(x);                                              // bit-identical to the saved model's
//   model->fit(x, y);                                               // continues exactly where it stopped
//
//   std::string json = model.to_json();                             // the architecture only
//   std::shared_ptr<kx::Model> fresh = kx::models::model_from_json(json);
//   fresh->load_weights("classifier.weights.kx");
//
// Custom layers load through kx::layers::register_layer.
#pragma once

#include <kerasxx/model.hpp>

#include <memory>
#include <string>

namespace kx::models {

// The model saved by Model::save: architecture, weights and, if it was compiled, the compile
// config and the optimizer state (compile = false skips them).
std::shared_ptr<Model> load_model(const std::string& path, bool compile = true);
// A new, unbuilt-weights model from Model::to_json() (Keras' {"class_name", "config"} schema).
std::shared_ptr<Model> model_from_json(const std::string& json);
std::shared_ptr<Model> model_from_config(const nlohmann::json& config);

}  // namespace kx::models
