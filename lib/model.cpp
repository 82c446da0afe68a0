#include "model_compiled.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <iostream>

namespace kx {

Model::Model(std::string name) : Layer(std::move(name)) {}
Model::Model(Model&&) noexcept = default;
Model::~Model() = default;

void Model::compile(CompileOptions options) {
    if (!options.optimizer) throw Error(describe() + ": compile() needs an optimizer, e.g. .optimizer = \"adam\"");
    if (!options.loss)
        throw Error(describe() + ": compile() needs a loss, e.g. .loss = \"sparse_categorical_crossentropy\"");
    auto compiled = std::make_unique<Compiled>();
    compiled->optimizer = std::move(options.optimizer);
    compiled->loss = std::move(options.loss);
    compiled->metric_specs = std::move(options.metrics);
    compiled_ = std::move(compiled);
}

Model::Compiled& Model::require_compiled(const char* caller) const {
    if (!compiled_)
        throw Error(describe() + ": you must call compile() before " + caller +
                    "(), e.g. model.compile({.optimizer = \"adam\", .loss = \"mse\"})");
    return *compiled_;
}

Optimizer& Model::optimizer() const { return *require_compiled("optimizer").optimizer; }

Tensor Model::compiled_loss(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) const {
    return (*require_compiled("fit").loss)(y_true, y_pred, sample_weight);
}

Logs Model::update_metrics(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight, double loss) {
    Compiled& c = require_compiled("fit");
    NoGradGuard no_grad;
    if (c.metrics.size() != c.metric_specs.size())   // resolved on the first batch, when shapes are known
        for (const MetricSpec& spec : c.metric_specs)
            c.metrics.push_back(spec.metric ? spec.metric
                                            : metrics::resolve(spec.identifier, *c.loss, y_true.shape(), y_pred.shape()));
    const double batch = static_cast<double>(y_true.shape().at(0));
    c.loss_sum += loss * batch;
    c.loss_count += batch;
    for (const auto& metric : c.metrics) metric->update_state(y_true, y_pred, sample_weight);
    return metrics_result();
}

void Model::reset_metrics() {
    Compiled& c = require_compiled("reset_metrics");
    c.loss_sum = c.loss_count = 0;
    for (const auto& metric : c.metrics) metric->reset_state();
}

Logs Model::metrics_result() const {
    const Compiled& c = require_compiled("metrics_result");
    Logs logs;
    logs["loss"] = c.loss_count > 0 ? c.loss_sum / c.loss_count : 0.0;
    for (const auto& metric : c.metrics) logs[metric->name()] = metric->result();
    return logs;
}

Logs Model::train_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    Tensor y_pred = (*this)(x, true);
    Tensor loss = compiled_loss(y, y_pred, sample_weight);
    const std::vector<Variable> variables = trainable_weights();
    // Cleared rather than zeroed: a weight the loss does not reach has no gradient, and the
    // optimizer skips it (as Keras does) instead of moving its moments with a zero.
    for (const Variable& v : variables) v.clear_grad();
    backward(loss);
    optimizer().apply_gradients(variables);
    return update_metrics(y, y_pred.detach(), sample_weight, loss.item());
}

Logs Model::test_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    NoGradGuard no_grad;
    Tensor y_pred = (*this)(x, false);
    return update_metrics(y, y_pred, sample_weight, compiled_loss(y, y_pred, sample_weight).item());
}

Tensor Model::predict_step(const Tensor& x) {
    NoGradGuard no_grad;
    return (*this)(x, false);
}

Logs Model::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    require_compiled("train_on_batch");
    reset_metrics();
    return train_step(x, y, sample_weight);
}

Logs Model::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    require_compiled("test_on_batch");
    reset_metrics();
    return test_step(x, y, sample_weight);
}

Tensor Model::predict_on_batch(const Tensor& x) { return predict_step(x); }

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
    std::vector<Variable> all = Layer::weights();
    for (const auto& layer : layers()) {
        const std::vector<Variable> ws = layer->weights();
        all.insert(all.end(), ws.begin(), ws.end());
    }
    return all;
}

void Model::set_trainable(bool trainable) {
    Layer::set_trainable(trainable);
    for (const auto& layer : layers()) layer->set_trainable(trainable);
}

void Model::summary() const { summary(std::cout); }

}  // namespace kx
