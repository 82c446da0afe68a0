// plot_model: a picture of a model's graph, as keras.utils.plot_model draws it.
//
//   kx::utils::plot_model(model, "model.dot", {.show_shapes = true, .show_layer_names = true});
//   kx::utils::plot_model(model, "model.png", {.show_shapes = true});   // needs Graphviz's `dot`
//   std::string dot = kx::utils::model_to_dot(model);
//
// The graph is written in Graphviz DOT: one node per layer (its type, and optionally its name
// and input/output shapes), one edge per connection. A .dot file is written directly; .png,
// .svg and .pdf are rendered by the `dot` program (Debian package graphviz) when it exists, and
// are a kx::Error naming it when it does not. Defaults are Keras 3's. Nested models are drawn as
// one node (Keras' expand_nested is not offered).
#pragma once

#include <kerasxx/model.hpp>

#include <string>

namespace kx::utils {

struct PlotModelOptions {
    bool show_shapes = false;
    bool show_layer_names = false;
    std::string rankdir = "TB";   // TB (top to bottom) or LR (left to right)
    int dpi = 200;
    bool show_trainable = false;
};

std::string model_to_dot(const Model& model, const PlotModelOptions& options = {});
void plot_model(const Model& model, const std::string& to_file = "model.png", const PlotModelOptions& options = {});

}  // namespace kx::utils
