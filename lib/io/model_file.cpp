#include "io/model_file.hpp"

#include "io/model_config.hpp"
#include "weight_budget.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/models.hpp>

#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>
#include <map>

namespace kx {

namespace io {

namespace {

constexpr int format_version = 1;
constexpr const char* format_name = "kerasxx";

struct NamedVariable {
    std::string key;
    Variable variable;
};

// Keras 3's weight paths: "layers/<layer>/vars/<i>", nested models' layers below their own path;
// a subclassed model without layers() lists its own variables as "vars/<i>".
std::vector<NamedVariable> weights_of(const Model& model) {
    std::vector<NamedVariable> out;
    auto add = [&](const std::string& path, const std::vector<Variable>& weights) {
        for (std::size_t i = 0; i < weights.size(); ++i) out.push_back({path + "vars/" + std::to_string(i), weights[i]});
    };
    if (model.layers().empty()) add("", model.weights());
    for_each_layer(model, [&](const std::string& path, Layer& layer) { add(path, layer.weights()); });
    return out;
}

std::span<const std::byte> bytes_of(const Tensor& t) {
    return {reinterpret_cast<const std::byte*>(t.data()), t.size() * sizeof(float)};
}

std::vector<std::uint64_t> dims_of(const Shape& shape) { return {shape.begin(), shape.end()}; }

std::string shape_string(const std::vector<std::uint64_t>& dims) { return to_string(Shape(dims.begin(), dims.end())); }

const std::string& optimizer_iterations_key() {
    static const std::string key = "optimizer/vars/0";
    return key;
}

std::string optimizer_slot_key(std::size_t i) { return "optimizer/vars/" + std::to_string(i + 1); }

// Checks one tensor of the file against the variable it restores.
const TensorRecord& matching_record(const SafetensorsFile& file, const std::string& key, const Tensor& variable,
                                    const std::string& what) {
    if (!file.contains(key))
        throw Error(file.source + ": no tensor '" + key + "' for " + what + " of shape " + to_string(variable.shape()) +
                    "; the file was saved from a different model");
    const TensorRecord& record = file.tensor(key);
    if (record.dtype != "F32")
        throw Error(file.source + ": tensor '" + key + "' (" + what + ") has dtype " + record.dtype + ", expected F32");
    if (Shape(record.shape.begin(), record.shape.end()) != variable.shape())
        throw Error(file.source + ": tensor '" + key + "' (" + what + ") has shape " + shape_string(record.shape) +
                    ", the model expects " + to_string(variable.shape()));
    return record;
}

void copy_into(const TensorRecord& record, const Tensor& variable) {
    std::memcpy(const_cast<float*>(variable.data()), record.data.data(), record.data.size());
}

}  // namespace

void for_each_layer(const Model& model, const std::function<void(const std::string& path, Layer& layer)>& visit,
                    const std::string& prefix) {
    for (const auto& layer : model.layers()) {
        const std::string path = prefix + "layers/" + layer->name() + "/";
        if (const auto* nested = dynamic_cast<const Model*>(layer.get())) for_each_layer(*nested, visit, path);
        else visit(path, *layer);
    }
}

void write_model_file(const Model& model, const std::string& path, FileContent content, const ExtraContent& extra) {
    const std::vector<NamedVariable> weights = weights_of(model);
    std::vector<TensorView> tensors;
    for (const NamedVariable& w : weights) tensors.push_back({w.key, "F32", dims_of(w.variable.shape()), bytes_of(w.variable)});
    Metadata metadata = extra.metadata;
    metadata["format"] = format_name;
    metadata["format_version"] = std::to_string(format_version);
    metadata["content"] = content == FileContent::model ? "model" : "weights";
    std::int64_t iterations = 0;
    std::vector<Variable> slots;
    if (content == FileContent::model) {
        metadata["model_config"] = model.to_json();
        if (model.compiled()) {
            metadata["compile_config"] = model.get_compile_config().dump();
            const Optimizer& optimizer = model.optimizer();
            iterations = optimizer.iterations();
            tensors.push_back({optimizer_iterations_key(), "I64", {}, {reinterpret_cast<const std::byte*>(&iterations), sizeof iterations}});
            slots = optimizer.variables();
            for (std::size_t i = 0; i < slots.size(); ++i)
                tensors.push_back({optimizer_slot_key(i), "F32", dims_of(slots[i].shape()), bytes_of(slots[i])});
        }
    }
    tensors.insert(tensors.end(), extra.tensors.begin(), extra.tensors.end());
    write_safetensors(path, tensors, metadata);
}

void restore_model_state(Model& model, const SafetensorsFile& file, bool optimizer_state) {
    // Weights pair up by position, as Keras 2's load_weights does by default: layer names made
    // up by counters ("dense_7") differ between processes, the architecture does not.
    const std::vector<NamedVariable> weights = weights_of(model);
    std::vector<const TensorRecord*> saved;
    for (const TensorRecord& t : file.tensors)
        if (t.name.starts_with("layers/") || t.name.starts_with("vars/")) saved.push_back(&t);
    if (saved.size() != weights.size())
        throw Error(file.source + ": the file holds " + std::to_string(saved.size()) + " weights, the model '" + model.name() +
                    "' has " + std::to_string(weights.size()) + "; the file was saved from a different model");
    // Every check first, so that a mismatch changes nothing.
    std::vector<std::pair<const TensorRecord*, Tensor>> copies;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const TensorRecord& record = *saved[i];
        const Tensor& variable = weights[i].variable;
        if (record.dtype != "F32" || Shape(record.shape.begin(), record.shape.end()) != variable.shape())
            throw Error(file.source + ": weight " + std::to_string(i) + " of the file, '" + record.name + "', is " + record.dtype + " " +
                        shape_string(record.shape) + "; the model's weight " + std::to_string(i) + ", '" + weights[i].variable.name() +
                        "', is F32 " + to_string(variable.shape()) + "; the file was saved from a different model");
        copies.emplace_back(&record, variable);
    }
    std::int64_t iterations = 0;
    const bool with_optimizer = optimizer_state && file.contains(optimizer_iterations_key());
    if (with_optimizer) {
        const TensorRecord& record = file.tensor(optimizer_iterations_key());
        if (record.dtype != "I64" || !record.shape.empty())
            throw Error(file.source + ": tensor '" + optimizer_iterations_key() + "' (the optimizer's iteration count) must be an I64 scalar, got " +
                        record.dtype + " of shape " + shape_string(record.shape));
        std::memcpy(&iterations, record.data.data(), sizeof iterations);
        if (iterations < 0) throw Error(file.source + ": the optimizer's iteration count is negative (" + std::to_string(iterations) + ")");
        std::size_t saved_slots = 0;
        while (file.contains(optimizer_slot_key(saved_slots))) ++saved_slots;
        if (saved_slots > 0) {
            // Slots are created in the order train_step hands the variables over.
            model.optimizer().build(model.trainable_weights());
            const std::vector<Variable> slots = model.optimizer().variables();
            if (slots.size() != saved_slots)
                throw Error(file.source + ": the file holds " + std::to_string(saved_slots) + " optimizer slot variables, the model's " +
                            model.optimizer().class_name() + " has " + std::to_string(slots.size()));
            for (std::size_t i = 0; i < slots.size(); ++i)
                copies.emplace_back(&matching_record(file, optimizer_slot_key(i), slots[i], "optimizer slot '" + slots[i].name() + "'"),
                                    slots[i]);
        }
    }
    for (const auto& [record, variable] : copies) copy_into(*record, variable);
    if (with_optimizer) model.optimizer().set_iterations(iterations);
}

std::shared_ptr<Model> load_model_from_bytes(std::span<const std::byte> bytes, const std::string& source, bool compile) {
    return load_model_from_file(decode_safetensors(bytes, source), compile);
}

std::shared_ptr<Model> load_model_from_file(const SafetensorsFile& file, bool compile) {
    const std::string& source = file.source;
    if (!file.metadata.count("format") || file.metadata.at("format") != format_name)
        throw Error(source + ": not a kerasxx model file (its __metadata__ has no \"format\": \"kerasxx\")");
    const std::string& version = file.meta("format_version");
    if (version != std::to_string(format_version))
        throw Error(source + ": format_version " + version.substr(0, 20) + " is not one this kerasxx reads (it reads " +
                    std::to_string(format_version) + ")");
    if (file.meta("content") != "model")
        throw Error(source + ": holds weights only (written by save_weights); build the model, then call load_weights()");

    // The config may ask for no more weights than the file holds.
    std::size_t floats = 0;
    for (const TensorRecord& t : file.tensors) floats += t.data.size() / sizeof(float);
    std::shared_ptr<Model> model;
    {
        detail::WeightBudget budget(floats, source);
        try {
            model = models::model_from_config(parse_json(file.meta("model_config"), source + " (model_config)"));
        } catch (const Error& e) {
            throw Error(source + ": cannot rebuild the model from its config: " + e.what());
        }
    }
    if (!model->built() && !model->weights().empty())
        throw Error(source + ": the model config does not say its input shape, so its weights cannot be placed");
    if (compile && file.metadata.count("compile_config")) {
        try {
            model->compile_from_config(parse_json(file.meta("compile_config"), source + " (compile_config)"));
        } catch (const Error& e) {
            throw Error(source + ": cannot compile the model from its compile_config: " + e.what());
        }
    }
    restore_model_state(*model, file, compile);
    return model;
}

}  // namespace io

void Model::save(const std::string& path) const { io::write_model_file(*this, path, io::FileContent::model); }

void Model::save_weights(const std::string& path) const { io::write_model_file(*this, path, io::FileContent::weights); }

void Model::load_weights(const std::string& path) {
    const io::SafetensorsFile file = io::read_safetensors(path);
    if (!file.metadata.count("format") || file.metadata.at("format") != io::format_name)
        throw Error(path + ": not a kerasxx weights file (its __metadata__ has no \"format\": \"kerasxx\")");
    if (!built())
        throw Error(describe() + ": load_weights needs a built model (start it with an Input, or call it once), so that its "
                                 "weights exist");
    io::restore_model_state(*this, file, false);
}

namespace models {

std::shared_ptr<Model> load_model(const std::string& path, bool compile) {
    // read_safetensors reads each tensor straight into its buffer: the file is never held twice.
    return io::load_model_from_file(io::read_safetensors(path), compile);
}

}  // namespace models
}  // namespace kx
