#include "io/model_config.hpp"
#include "model_compiled.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/registry.hpp>
#include <kerasxx/models.hpp>
#include <kerasxx/symbolic_tensor.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kx {

using json = nlohmann::json;

std::string Model::to_json(int indent) const {
    return json{{"class_name", class_name()}, {"config", get_config()}}.dump(indent);
}

json Model::get_compile_config() const { return compiled_ ? io::compile_config(compiled_->options) : json(); }

void Model::compile_from_config(const json& config) {
    try {
        compile(io::compile_options_from_config(config));
    } catch (const json::exception& e) {
        throw Error(describe() + ": malformed compile config: " + e.what());
    }
}

namespace io {

namespace {

// One entry of a layer's inbound node: [layer name, call index, output index] (Keras 2 adds a
// kwargs object, which is ignored).
struct TensorReference {
    std::string layer;
    std::size_t call = 0, output = 0;
};

TensorReference reference_of(const json& entry, const std::string& where) {
    if (!entry.is_array() || entry.size() < 3 || !entry[0].is_string() || !entry[1].is_number_unsigned() ||
        !entry[2].is_number_unsigned())
        throw Error(where + ": expected a tensor reference [layer name, call index, output index], got " + entry.dump());
    return {entry[0].get<std::string>(), entry[1].get<std::size_t>(), entry[2].get<std::size_t>()};
}

const json& array_field(const json& config, const char* key, const std::string& where) {
    if (!config.contains(key) || !config[key].is_array())
        throw Error(where + ": expected an array '" + key + "' in the config, got " +
                    (config.contains(key) ? config[key].dump() : std::string("nothing")));
    return config[key];
}

}  // namespace

LayerHandle functional_from_config(const json& config) {
    const std::string name = config.value("name", std::string());
    const std::string where = "Functional '" + name + "' from config";
    struct Pending {
        std::shared_ptr<Layer> layer;
        std::string name;
        const json* nodes;   // inbound_nodes
        std::size_t next = 0;
    };
    std::vector<Pending> pending;
    // Each layer's calls in this graph, in order: what [name, call, output] references point at.
    std::map<std::string, std::vector<SymbolicTensors>> calls;
    for (const json& entry : array_field(config, "layers", where)) {
        if (!entry.is_object() || !entry.contains("config") || !entry["config"].is_object())
            throw Error(where + ": expected each layer as {\"class_name\", \"config\", \"inbound_nodes\"}, got " + entry.dump());
        const std::string layer_name = entry.value("name", entry["config"].value("name", std::string()));
        if (calls.count(layer_name))
            throw Error(where + ": two layers are named '" + layer_name + "'; layer names in a model must be unique");
        if (entry.value("class_name", std::string()) == "InputLayer") {
            const json& layer_config = entry["config"];
            const json& batch_shape = layer_config.contains("batch_shape") ? layer_config["batch_shape"]
                                                                           : layer_config.value("batch_input_shape", json());
            if (!batch_shape.is_array() || batch_shape.empty())
                throw Error(where + ": InputLayer '" + layer_name + "' needs a batch_shape [null, ...], got " + batch_shape.dump());
            Shape shape;
            for (std::size_t i = 1; i < batch_shape.size(); ++i) {
                if (!batch_shape[i].is_number_unsigned())
                    throw Error(where + ": InputLayer '" + layer_name + "' has a non-numeric dimension in batch_shape " +
                                batch_shape.dump());
                shape.push_back(batch_shape[i].get<std::size_t>());
            }
            calls[layer_name].push_back({Input(shape, layer_name)});
            continue;
        }
        LayerHandle layer = layers::deserialize(entry);
        if (layer->name() != layer_name)
            throw Error(where + ": layer entry '" + layer_name + "' holds a config named '" + layer->name() + "'");
        calls[layer_name];
        pending.push_back({layer, layer_name, &array_field(entry, "inbound_nodes", where + ", layer '" + layer_name + "'")});
    }

    auto resolve = [&](const TensorReference& ref) -> const SymbolicTensor* {
        const auto it = calls.find(ref.layer);
        if (it == calls.end() || ref.call >= it->second.size()) return nullptr;
        if (ref.output >= it->second[ref.call].size())
            throw Error(where + ": layer '" + ref.layer + "' call " + std::to_string(ref.call) + " has " +
                        std::to_string(it->second[ref.call].size()) + " output(s), a reference asks for output " +
                        std::to_string(ref.output));
        return &it->second[ref.call][ref.output];
    };
    // Keras' order: sweep the layers, making each call whose inputs exist, until a sweep makes none.
    for (bool progress = true; progress;) {
        progress = false;
        for (Pending& p : pending) {
            while (p.next < p.nodes->size()) {
                const json& node = (*p.nodes)[p.next];
                // Keras 2 writes a node as a list of references; accept a bare reference for one input.
                const bool single = node.is_array() && !node.empty() && node[0].is_string();
                if (!node.is_array() || node.empty())
                    throw Error(where + ": layer '" + p.name + "' has an inbound node that is not a list of references: " + node.dump());
                SymbolicTensors inputs;
                for (const json& entry : single ? json::array({node}) : node) {
                    const SymbolicTensor* x = resolve(reference_of(entry, where + ", layer '" + p.name + "'"));
                    if (!x) break;
                    inputs.push_back(*x);
                }
                if (inputs.size() != (single ? 1 : node.size())) break;   // an input is not made yet
                calls[p.name].push_back(p.layer->apply(inputs));
                ++p.next;
                progress = true;
            }
        }
    }
    for (const Pending& p : pending)
        if (p.next < p.nodes->size())
            throw Error(where + ": layer '" + p.name + "' call " + std::to_string(p.next) + " reads " +
                        (*p.nodes)[p.next].dump() + ", which no layer in the config produces");

    auto ends = [&](const char* key) {
        SymbolicTensors tensors;
        for (const json& entry : array_field(config, key, where)) {
            const TensorReference ref = reference_of(entry, where + ", " + key);
            const SymbolicTensor* x = resolve(ref);
            if (!x) throw Error(where + ": " + key + " names '" + ref.layer + "' call " + std::to_string(ref.call) + ", which does not exist");
            tensors.push_back(*x);
        }
        return tensors;
    };
    const SymbolicTensors inputs = ends("input_layers"), outputs = ends("output_layers");
    LayerHandle model = Model(inputs, outputs, name);
    model->set_trainable(config.value("trainable", true));
    return model;
}

// --- Compile config -------------------------------------------------------------------------------

namespace {

json metric_json(const MetricSpec& spec) {
    if (!spec.metric) return spec.identifier;
    return metrics::serialize(*spec.metric);
}

json metric_list_json(const std::vector<MetricSpec>& specs) {
    json list = json::array();
    for (const MetricSpec& spec : specs) list.push_back(metric_json(spec));
    return list;
}

std::vector<MetricSpec> metric_list_from(const json& list, const std::string& where) {
    if (!list.is_array()) throw Error(where + ": expected a list of metrics, got " + list.dump());
    std::vector<MetricSpec> specs;
    for (const json& entry : list) {
        if (entry.is_string()) specs.emplace_back(entry.get<std::string>());
        else specs.emplace_back(metrics::deserialize(entry));
    }
    return specs;
}

// A PerOutput value as Keras writes it: one value, a list by position or an object by name.
template <class T, class ToJson>
json per_output_json(const PerOutput<T>& value, ToJson to_json) {
    if (value.every) return to_json(*value.every);
    if (!value.by_position.empty()) {
        json list = json::array();
        for (const T& v : value.by_position) list.push_back(to_json(v));
        return list;
    }
    if (!value.by_name.empty()) {
        json named = json::object();
        for (const auto& [name, v] : value.by_name) named[name] = to_json(v);
        return named;
    }
    return nullptr;
}

template <class T, class FromJson>
PerOutput<T> per_output_from(const json& value, FromJson from_json, bool is_single) {
    PerOutput<T> out;
    if (value.is_null()) return out;
    if (is_single) {
        out.every = from_json(value);
    } else if (value.is_array()) {
        for (const json& v : value) out.by_position.push_back(from_json(v));
    } else {
        for (const auto& [name, v] : value.items()) out.by_name.emplace(name, from_json(v));
    }
    return out;
}

}  // namespace

json compile_config(const CompileOptions& options) {
    json config;
    config["optimizer"] = {{"class_name", options.optimizer->class_name()}, {"config", options.optimizer->get_config()}};
    config["loss"] = per_output_json(options.loss, [](const Handle<Loss>& loss) { return loss ? losses::serialize(*loss) : json(); });
    config["loss_weights"] = per_output_json(options.loss_weights, [](double w) { return json(w); });
    const MetricsPerOutput& m = options.metrics;
    if (!m.every.empty()) {
        config["metrics"] = metric_list_json(m.every);
    } else if (!m.by_position.empty()) {
        config["metrics"] = json::array();
        for (const auto& list : m.by_position) config["metrics"].push_back(metric_list_json(list));
    } else if (!m.by_name.empty()) {
        config["metrics"] = json::object();
        for (const auto& [name, list] : m.by_name) config["metrics"][name] = metric_list_json(list);
    } else {
        config["metrics"] = nullptr;
    }
    return config;
}

CompileOptions compile_options_from_config(const json& config) {
    const std::string where = "compile config";
    if (!config.is_object() || !config.contains("optimizer") || !config.contains("loss"))
        throw Error(where + ": expected an object with 'optimizer' and 'loss', got " + config.dump().substr(0, 200));
    CompileOptions options;
    options.optimizer = optimizers::deserialize(config["optimizer"]);
    const json& loss = config["loss"];
    // A single loss is a string or a {"class_name", "config"} object; otherwise a list or a map by output.
    const bool single_loss = loss.is_string() || (loss.is_object() && loss.contains("class_name"));
    options.loss = per_output_from<Handle<Loss>>(loss, [](const json& v) -> Handle<Loss> {
        return v.is_null() ? Handle<Loss>() : Handle<Loss>(losses::deserialize(v));
    }, single_loss);
    const json& weights = config.value("loss_weights", json());
    options.loss_weights = per_output_from<double>(weights, [&](const json& v) {
        if (!v.is_number()) throw Error(where + ": expected numeric loss_weights, got " + v.dump());
        return v.get<double>();
    }, weights.is_number());
    const json& metrics = config.value("metrics", json());
    if (metrics.is_array() && !metrics.empty() && metrics[0].is_array()) {
        for (const json& list : metrics) options.metrics.by_position.push_back(metric_list_from(list, where));
    } else if (metrics.is_array()) {
        options.metrics.every = metric_list_from(metrics, where);
    } else if (metrics.is_object()) {
        for (const auto& [name, list] : metrics.items()) options.metrics.by_name.emplace(name, metric_list_from(list, where));
    } else if (!metrics.is_null()) {
        throw Error(where + ": expected metrics as a list, a list of lists or an object by output, got " + metrics.dump());
    }
    return options;
}

json parse_json(const std::string& text, const std::string& source, int max_depth) {
    const auto limit_depth = [&](int depth, json::parse_event_t, json&) {
        if (depth > max_depth)
            throw Error(source + ": the JSON nests deeper than " + std::to_string(max_depth) + " levels");
        return true;
    };
    try {
        return json::parse(text, limit_depth);
    } catch (const json::exception& e) {
        throw Error(source + ": invalid JSON: " + e.what());
    }
}

}  // namespace io

namespace models {

std::shared_ptr<Model> model_from_config(const json& config) {
    if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
        throw Error("models::model_from_config: expected {\"class_name\": ..., \"config\": {...}}, got " + config.dump().substr(0, 200));
    LayerHandle layer;
    try {
        layer = layers::deserialize(config);
    } catch (const json::exception& e) {   // a field of the wrong type somewhere in a layer's config
        throw Error("models::model_from_config: malformed " + config["class_name"].get<std::string>() + " config: " + e.what());
    }
    auto model = std::dynamic_pointer_cast<Model>(static_cast<std::shared_ptr<Layer>&>(layer));
    if (!model)
        throw Error("models::model_from_config: expected a model config (Sequential, Functional or a registered model), got a " +
                    layer->class_name() + " layer");
    return model;
}

std::shared_ptr<Model> model_from_json(const std::string& text) {
    return model_from_config(io::parse_json(text, "models::model_from_json"));
}

}  // namespace models
}  // namespace kx
