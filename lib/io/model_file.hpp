// Internal: kerasxx's .kx model file, built on the safetensors container.
//
// Tensors are named as Keras 3 names them in its weights files: "layers/<layer>/vars/<i>" (a
// nested model's layers under "layers/<model>/layers/..."), the optimizer's "optimizer/vars/<i>"
// (0: the iteration count, then the slot variables in the optimizer's order). __metadata__ holds
// "format" ("kerasxx"), "format_version", "content" ("model" or "weights"), "model_config" and,
// for a compiled model, "compile_config" (JSON text).
#pragma once

#include "io/safetensors.hpp"

#include <kerasxx/model.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kx::io {

// Calls `visit` on every layer of `model`, nested models' layers included (not the nested models
// themselves), in order, with its path ("layers/<model>/layers/<layer>/").
void for_each_layer(const Model& model, const std::function<void(const std::string& path, Layer& layer)>& visit,
                    const std::string& prefix = "");

// What a caller adds to a model file (BackupAndRestore's training position).
struct ExtraContent {
    Metadata metadata;
    std::vector<TensorView> tensors;
};

enum class FileContent { weights, model };

// Writes `model` atomically: its weights, and for FileContent::model its config, compile config
// and optimizer state, plus `extra`.
void write_model_file(const Model& model, const std::string& path, FileContent content, const ExtraContent& extra = {});

// Copies a file's weights (and, with `optimizer_state`, the optimizer's) into `model`, after
// checking every name, dtype and shape: on a mismatch nothing changes.
void restore_model_state(Model& model, const SafetensorsFile& file, bool optimizer_state);

// A read model file to a new model, and the same from a file image (the fuzzer feeds it directly).
std::shared_ptr<Model> load_model_from_file(const SafetensorsFile& file, bool compile = true);
std::shared_ptr<Model> load_model_from_bytes(std::span<const std::byte> bytes, const std::string& source,
                                             bool compile = true);

}  // namespace kx::io
