#include "graph.hpp"
#include "model_compiled.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/losses.hpp>
#include <kerasxx/model.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

namespace kx {

Model::Model(std::string name) : Layer(std::move(name)) {}

Model::Model(const SymbolicTensors& inputs, const SymbolicTensors& outputs, std::string name) : Layer(std::move(name)) {
    claim_name();
    graph_ = Graph::build(inputs, outputs, "Functional '" + this->name() + "'");   // class_name() needs graph_
    Shapes shapes;
    for (const SymbolicTensor& x : inputs) shapes.push_back(x.shape());
    ensure_built(shapes);
}

Model::Model(const SymbolicTensor& input, const SymbolicTensor& output, std::string name)
    : Model(SymbolicTensors{input}, SymbolicTensors{output}, std::move(name)) {}
Model::Model(const SymbolicTensors& inputs, const SymbolicTensor& output, std::string name)
    : Model(inputs, SymbolicTensors{output}, std::move(name)) {}
Model::Model(const SymbolicTensor& input, const SymbolicTensors& outputs, std::string name)
    : Model(SymbolicTensors{input}, outputs, std::move(name)) {}

Model::Model(Model&&) noexcept = default;
Model::~Model() = default;

std::string Model::class_name() const {
    // Keras calls a graph model "Functional"; subclasses keep their own names.
    if (graph_ && typeid(*this) == typeid(Model)) return "Functional";
    return Layer::class_name();
}

void Model::set_graph(const SymbolicTensors& inputs, const SymbolicTensors& outputs) {
    graph_ = Graph::build(inputs, outputs, describe());
}

const SymbolicTensors& Model::inputs() const {
    if (!graph_)
        throw Error(describe() + ": the model has no symbolic inputs: it is not a functional model, or a Sequential "
                                 "that does not know its input shape yet (start it with an Input, or call it once)");
    return graph_->inputs;
}

const SymbolicTensors& Model::outputs() const {
    inputs();   // the same check
    return graph_->outputs;
}

std::vector<std::string> Model::input_names() const {
    std::vector<std::string> names;
    if (graph_)
        for (const SymbolicTensor& x : graph_->inputs) names.push_back(x.layer().name());
    return names;
}

std::vector<std::string> Model::output_names() const {
    std::vector<std::string> names;
    if (graph_)
        for (const SymbolicTensor& y : graph_->outputs) names.push_back(y.name());
    return names;
}

std::vector<std::shared_ptr<Layer>> Model::layers() const {
    return graph_ ? graph_->layers : std::vector<std::shared_ptr<Layer>>{};
}

// --- As a layer ---------------------------------------------------------------------------------

void Model::build_multi(const Shapes& input_shapes) {
    if (!graph_) Layer::build_multi(input_shapes);   // a subclass builds itself
}

Tensor Model::call(const Tensor& inputs, bool training) {
    if (!graph_)
        throw Error(describe() + ": a Model subclass must override call() (or call_multi()); functional models are made "
                                 "with kx::Model(inputs, outputs)");
    Tensors outputs = call_multi({inputs}, training);
    if (outputs.size() != 1)
        throw Error(describe() + ": the model has " + std::to_string(outputs.size()) + " outputs; use apply()");
    return outputs[0];
}

Tensors Model::call_multi(const Tensors& inputs, bool training) {
    if (!graph_) return Layer::call_multi(inputs, training);
    if (inputs.size() != graph_->inputs.size())
        throw Error(describe() + ": expected " + std::to_string(graph_->inputs.size()) + " inputs, got " +
                    std::to_string(inputs.size()));
    return graph_->run(inputs, training);
}

Shapes Model::compute_output_shapes(const Shapes& input_shapes) {
    if (!graph_) return Layer::compute_output_shapes(input_shapes);
    Shapes shapes;
    for (const SymbolicTensor& y : graph_->outputs) shapes.push_back(y.shape());
    return shapes;
}

nlohmann::json Model::get_config() const {
    nlohmann::json config = Layer::get_config();
    if (!graph_) return config;
    // Keras' functional config: each layer with the calls that feed it (inbound_nodes), then the
    // graph's ends, as [layer name, call index, output index]. Call indices count this graph's
    // calls of the layer only: a shared layer may also have calls from other models.
    std::map<const detail::GraphNode*, std::size_t> call_index;
    std::map<const Layer*, std::size_t> calls;
    for (const SymbolicTensor& x : graph_->inputs) call_index[x.node().get()] = 0;
    for (const Graph::Step& step : graph_->steps) call_index[step.node.get()] = calls[step.node->layer.get()]++;
    auto reference = [&](const SymbolicTensor& x) {
        return nlohmann::json::array({x.layer().name(), call_index.at(x.node().get()), x.index()});
    };
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : graph_->layers) {
        nlohmann::json inbound = nlohmann::json::array();
        for (const Graph::Step& step : graph_->steps) {
            if (step.node->layer != layer) continue;
            nlohmann::json node = nlohmann::json::array();
            for (const SymbolicTensor& x : step.node->inputs) node.push_back(reference(x));
            inbound.push_back(node);
        }
        layers.push_back({{"class_name", layer->class_name()}, {"config", layer->get_config()}, {"name", layer->name()},
                          {"inbound_nodes", inbound}});
    }
    config["layers"] = layers;
    config["input_layers"] = nlohmann::json::array();
    for (const SymbolicTensor& x : graph_->inputs) config["input_layers"].push_back(reference(x));
    config["output_layers"] = nlohmann::json::array();
    for (const SymbolicTensor& y : graph_->outputs) config["output_layers"].push_back(reference(y));
    return config;
}

// --- Container ---------------------------------------------------------------------------------

std::shared_ptr<Layer> Model::get_layer(const std::string& name) const {
    std::string available;
    for (const auto& layer : layers()) {
        if (layer->name() == name) return layer;
        available += (available.empty() ? "" : ", ") + layer->name();
    }
    throw Error(describe() + ": no such layer: '" + name + "'. Existing layers are: [" + available + "]");
}

std::shared_ptr<Layer> Model::get_layer(std::size_t index) const {
    const auto all = layers();
    if (index >= all.size())
        throw Error(describe() + ": was asked to retrieve layer at index " + std::to_string(index) + " but the model only has " +
                    std::to_string(all.size()) + " layers");
    return all[index];
}

std::vector<Variable> Model::weights() const {
    // A layer reachable twice (shared by a nested model) contributes its weights once.
    std::vector<Variable> all = Layer::weights();
    std::set<const detail::TensorImpl*> seen;
    for (const Variable& w : all) seen.insert(w.impl().get());
    for (const auto& layer : layers())
        for (const Variable& w : layer->weights())
            if (seen.insert(w.impl().get()).second) all.push_back(w);
    return all;
}

void Model::set_trainable(bool trainable) {
    Layer::set_trainable(trainable);
    for (const auto& layer : layers()) layer->set_trainable(trainable);
}

Tensors Model::losses() const {
    Tensors all = Layer::losses();
    for (const auto& layer : layers()) {
        const Tensors more = layer->losses();
        all.insert(all.end(), more.begin(), more.end());
    }
    return all;
}

void Model::clear_losses() {
    Layer::clear_losses();
    for (const auto& layer : layers()) layer->clear_losses();
}

// --- Compile, losses and metrics ----------------------------------------------------------------

void Model::compile(CompileOptions options) {
    if (!options.optimizer) throw Error(describe() + ": compile() needs an optimizer, e.g. .optimizer = \"adam\"");
    if (options.loss.empty())
        throw Error(describe() + ": compile() needs a loss, e.g. .loss = \"sparse_categorical_crossentropy\"");
    auto compiled = std::make_unique<Compiled>();
    compiled->optimizer = options.optimizer;
    compiled->options = std::move(options);
    compiled_ = std::move(compiled);
    if (graph_) resolve_outputs(output_names());   // so that a mismatch fails here, not in fit()
}

namespace {
std::string list_names(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
    return "[" + out + "]";
}

// One compile() argument for output `i`: the shared value, the positional one, or the named one.
template <class T, class Names>
const T* pick(const T* every, const std::vector<T>& by_position, const std::map<std::string, T>& by_name,
              std::size_t i, const Names& names) {
    if (every) return every;
    if (!by_position.empty()) return &by_position[i];
    const auto it = by_name.find(names[i]);
    return it == by_name.end() ? nullptr : &it->second;
}

template <class T>
void check_per_output(const std::string& where, const char* argument, const std::vector<T>& by_position,
                      const std::map<std::string, T>& by_name, const std::vector<std::string>& names) {
    if (!by_position.empty() && by_position.size() != names.size())
        throw Error(where + ": compile() got " + std::to_string(by_position.size()) + " " + argument + " for " +
                    std::to_string(names.size()) + " outputs " + list_names(names) + "; give one per output, or a map by name");
    for (const auto& [name, value] : by_name)
        if (std::find(names.begin(), names.end(), name) == names.end())
            throw Error(where + ": compile() got " + argument + " for '" + name + "', which is not an output; the outputs are " +
                        list_names(names));
}
}  // namespace

void Model::resolve_outputs(const std::vector<std::string>& names) {
    Compiled& c = *compiled_;
    const std::string where = describe();
    const CompileOptions& o = c.options;
    check_per_output(where, "losses", o.loss.by_position, o.loss.by_name, names);
    check_per_output(where, "loss_weights", o.loss_weights.by_position, o.loss_weights.by_name, names);
    check_per_output(where, "metric lists", o.metrics.by_position, o.metrics.by_name, names);
    if (names.size() > 1)
        for (const MetricSpec& spec : o.metrics.every)
            if (spec.metric)
                throw Error(where + ": compile() got the metric object '" + spec.metric->name() + "' for all " +
                            std::to_string(names.size()) + " outputs, which would mix their results; give metric "
                            "objects per output (a map by output name)");
    std::vector<Compiled::Output> outputs(names.size());
    bool any_loss = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
        Compiled::Output& out = outputs[i];
        out.prefix = names.size() > 1 ? names[i] + "_" : "";
        const Handle<Loss>* loss = pick(o.loss.every ? &*o.loss.every : nullptr, o.loss.by_position, o.loss.by_name, i, names);
        if (loss) out.loss = *loss;
        any_loss = any_loss || out.loss;
        const double* weight = pick(o.loss_weights.every ? &*o.loss_weights.every : nullptr, o.loss_weights.by_position,
                                    o.loss_weights.by_name, i, names);
        if (weight) out.loss_weight = *weight;
        const std::vector<MetricSpec>* metrics =
            pick(o.metrics.every.empty() ? nullptr : &o.metrics.every, o.metrics.by_position, o.metrics.by_name, i, names);
        if (metrics) out.metric_specs = *metrics;
    }
    if (!any_loss) throw Error(where + ": compile() gave no loss to any of the outputs " + list_names(names));
    c.outputs = std::move(outputs);
}

Model::Compiled& Model::require_compiled(const char* caller) const {
    if (!compiled_)
        throw Error(describe() + ": you must call compile() before " + caller +
                    "(), e.g. model.compile({.optimizer = \"adam\", .loss = \"mse\"})");
    return *compiled_;
}

Optimizer& Model::optimizer() const { return *require_compiled("optimizer").optimizer; }

Tensor Model::compiled_loss(const Tensors& y_true, const Tensors& y_pred, const Tensor& sample_weight) {
    Compiled& c = require_compiled("fit");
    if (c.outputs.empty()) {   // a subclassed model: its outputs are known once it has run
        std::vector<std::string> names;
        for (std::size_t i = 0; i < y_pred.size(); ++i) names.push_back("output_" + std::to_string(i + 1));
        resolve_outputs(names);
    }
    if (y_true.size() != c.outputs.size() || y_pred.size() != c.outputs.size())
        throw Error(describe() + ": expected targets and predictions for " + std::to_string(c.outputs.size()) +
                    " outputs, got " + std::to_string(y_true.size()) + " targets and " + std::to_string(y_pred.size()) +
                    " predictions");
    Tensor total;
    for (std::size_t i = 0; i < c.outputs.size(); ++i) {
        Compiled::Output& out = c.outputs[i];
        if (!out.loss) continue;
        const Tensor loss = (*out.loss)(y_true[i], y_pred[i], sample_weight);
        out.last_loss = loss.item();
        const Tensor weighted = out.loss_weight == 1.0 ? loss : loss * static_cast<float>(out.loss_weight);
        total = total.defined() ? total + weighted : weighted;
    }
    for (const Tensor& penalty : losses()) total = total + ops::sum(penalty);
    return total;
}

Logs Model::update_metrics(const Tensors& y_true, const Tensors& y_pred, const Tensor& sample_weight, double loss) {
    Compiled& c = require_compiled("fit");
    NoGradGuard no_grad;
    if (c.outputs.size() != y_pred.size() || y_true.size() != y_pred.size())
        throw Error(describe() + ": update_metrics expected targets and predictions for " + std::to_string(c.outputs.size()) +
                    " outputs (run compiled_loss first), got " + std::to_string(y_true.size()) + " and " +
                    std::to_string(y_pred.size()));
    const double batch = static_cast<double>(y_true[0].shape().at(0));
    c.loss_sum += loss * batch;
    c.loss_count += batch;
    for (std::size_t i = 0; i < c.outputs.size(); ++i) {
        Compiled::Output& out = c.outputs[i];
        out.loss_sum += out.last_loss * batch;
        if (out.metrics.size() != out.metric_specs.size()) {   // resolved on the first batch, when shapes are known
            static const losses::MeanSquaredError no_loss;      // an output without a loss: shapes decide
            for (const MetricSpec& spec : out.metric_specs)
                out.metrics.push_back(spec.metric ? spec.metric
                                                  : metrics::resolve(spec.identifier, out.loss ? *out.loss : static_cast<const Loss&>(no_loss),
                                                                     y_true[i].shape(), y_pred[i].shape()));
        }
        for (const auto& metric : out.metrics) metric->update_state(y_true[i], y_pred[i], sample_weight);
    }
    return metrics_result();
}

void Model::reset_metrics() {
    Compiled& c = require_compiled("reset_metrics");
    c.loss_sum = c.loss_count = 0;
    for (Compiled::Output& out : c.outputs) {
        out.loss_sum = 0;
        for (const auto& metric : out.metrics) metric->reset_state();
    }
}

Logs Model::metrics_result() const {
    const Compiled& c = require_compiled("metrics_result");
    const double count = c.loss_count > 0 ? c.loss_count : 1.0;
    Logs logs;
    logs["loss"] = c.loss_sum / count;
    if (c.outputs.size() > 1)
        for (const Compiled::Output& out : c.outputs)
            if (out.loss) logs[out.prefix + "loss"] = out.loss_sum / count;
    for (const Compiled::Output& out : c.outputs)
        for (const auto& metric : out.metrics) logs[out.prefix + metric->name()] = metric->result();
    return logs;
}

// --- Steps ---------------------------------------------------------------------------------------

Logs Model::train_step(const Tensors& x, const Tensors& y, const Tensor& sample_weight) {
    const Tensors y_pred = apply(x, true);
    Tensor loss = compiled_loss(y, y_pred, sample_weight);
    const std::vector<Variable> variables = trainable_weights();
    // Cleared rather than zeroed: a weight the loss does not reach has no gradient, and the
    // optimizer skips it (as Keras does) instead of moving its moments with a zero.
    for (const Variable& v : variables) v.clear_grad();
    backward(loss);
    optimizer().apply_gradients(variables);
    Tensors detached;
    for (const Tensor& p : y_pred) detached.push_back(p.detach());
    return update_metrics(y, detached, sample_weight, loss.item());
}

Logs Model::test_step(const Tensors& x, const Tensors& y, const Tensor& sample_weight) {
    NoGradGuard no_grad;
    const Tensors y_pred = apply(x, false);
    return update_metrics(y, y_pred, sample_weight, compiled_loss(y, y_pred, sample_weight).item());
}

Tensors Model::predict_step(const Tensors& x) {
    NoGradGuard no_grad;
    return apply(x, false);
}

Logs Model::train_on_batch(const Arrays& x, const Arrays& y, const Tensor& sample_weight) {
    require_compiled("train_on_batch");
    reset_metrics();
    return train_step(to_inputs(x, describe() + " train_on_batch"), to_targets(y, describe() + " train_on_batch"), sample_weight);
}

Logs Model::test_on_batch(const Arrays& x, const Arrays& y, const Tensor& sample_weight) {
    require_compiled("test_on_batch");
    reset_metrics();
    return test_step(to_inputs(x, describe() + " test_on_batch"), to_targets(y, describe() + " test_on_batch"), sample_weight);
}

Tensor Model::predict_on_batch(const Arrays& x) {
    Tensors outputs = predict_step(to_inputs(x, describe() + " predict_on_batch"));
    if (outputs.size() != 1)
        throw Error(describe() + ": predict_on_batch returns one output, but the model has " + std::to_string(outputs.size()) +
                    "; use predict_step");
    return outputs[0];
}

// --- Data by position or by name ------------------------------------------------------------------

namespace {
Tensors arrange(const Arrays& data, const std::vector<std::string>& names, std::size_t expected, const std::string& where,
                const char* what) {
    if (!data.named.empty()) {
        if (names.empty())
            throw Error(where + ": got " + what + " by name, but this model's " + what + " have no names (it is not a "
                        "functional model); pass them by position");
        for (const auto& [name, tensor] : data.named)
            if (std::find(names.begin(), names.end(), name) == names.end())
                throw Error(where + ": got " + what + " for '" + name + "', which is not one of the model's " + what + " " +
                            list_names(names));
        Tensors out;
        for (const std::string& name : names) {
            const auto it = data.named.find(name);
            if (it == data.named.end())
                throw Error(where + ": missing " + what + " for '" + name + "'; the model's " + what + " are " + list_names(names));
            out.push_back(it->second);
        }
        return out;
    }
    if (expected != 0 && data.list.size() != expected)
        throw Error(where + ": expected " + std::to_string(expected) + " " + what + (names.empty() ? "" : " " + list_names(names)) +
                    ", got " + std::to_string(data.list.size()));
    return data.list;
}
}  // namespace

Tensors Model::to_inputs(const Arrays& x, const std::string& where) const {
    return arrange(x, input_names(), graph_ ? graph_->inputs.size() : 1, where, "inputs");
}

Tensors Model::to_targets(const Arrays& y, const std::string& where) const {
    std::size_t expected = graph_ ? graph_->outputs.size() : 0;
    if (compiled_ && !compiled_->outputs.empty()) expected = compiled_->outputs.size();
    return arrange(y, output_names(), expected, where, "targets");
}

void Model::summary() const { summary(std::cout); }

}  // namespace kx
