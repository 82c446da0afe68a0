#include "format.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/losses.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

namespace kx {

namespace {
using detail::format_number;

// Keras' squeeze_or_expand_to_same_rank, then an exact shape check: when the ranks differ by one
// and the longer shape ends in 1, (B,) against (B, 1) becomes (B, 1) against (B, 1), and higher
// ranks drop the trailing 1.
std::pair<Tensor, Tensor> aligned(const Loss& loss, const Tensor& y_true, const Tensor& y_pred,
                                  const std::string& hint = "") {
    Tensor t = y_true, p = y_pred;
    Shape ts = t.shape(), ps = p.shape();
    if (ts.size() == ps.size() + 1 && ts.back() == 1) {
        if (ps.size() == 1) p = ops::reshape(p, {ps[0], 1});
        else t = ops::reshape(t, Shape(ts.begin(), ts.end() - 1));
    } else if (ps.size() == ts.size() + 1 && ps.back() == 1) {
        if (ts.size() == 1) t = ops::reshape(t, {ts[0], 1});
        else p = ops::reshape(p, Shape(ps.begin(), ps.end() - 1));
    }
    if (t.shape() != p.shape())
        throw Error(loss.class_name() + ": y_true and y_pred must have the same shape, got y_true " +
                    to_string(y_true.shape()) + " and y_pred " + to_string(y_pred.shape()) + hint);
    if (p.rank() == 0)
        throw Error(loss.class_name() + ": expected y_true and y_pred with a batch dimension, got scalars");
    return {t, p};
}

// `axis` as a non-negative index into a rank-`rank` input; never the batch axis.
int class_axis(const Loss& loss, int axis, std::size_t rank) {
    const int r = static_cast<int>(rank);
    const int a = axis < 0 ? axis + r : axis;
    if (a < 1 || a >= r)
        throw Error(loss.class_name() + ": axis " + std::to_string(axis) + " is out of range for inputs of rank " +
                    std::to_string(rank) + " (axis 0 is the batch)");
    return a;
}

enum class Reduce { mean, sum };

// Elementwise losses (B, ...) -> per-sample losses (B,): reduced over `axis` the way the loss
// defines (Keras), then averaged over any axes left beyond the batch. Rank 1 is already per sample.
Tensor per_sample(const Loss& loss, const Tensor& x, int axis, Reduce reduce) {
    if (x.rank() == 1) return x;
    const int a = class_axis(loss, axis, x.rank());
    Tensor reduced = reduce == Reduce::sum ? ops::sum(x, {a}) : ops::mean(x, {a});
    if (reduced.rank() == 1) return reduced;
    ops::Axes rest;
    for (int i = 1; i < static_cast<int>(reduced.rank()); ++i) rest.push_back(i);
    return ops::mean(reduced, rest);
}

// One distribution of shape (C,) is a batch of one, as Keras' per-axis sum makes it.
std::pair<Tensor, Tensor> as_batch(std::pair<Tensor, Tensor> true_pred) {
    auto& [t, p] = true_pred;
    if (p.rank() != 1) return true_pred;
    return {ops::reshape(t, {1, t.size()}), ops::reshape(p, {1, p.size()})};
}

void check_label_smoothing(const std::string& who, float label_smoothing) {
    if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
        throw Error(who + ": expected label_smoothing in [0, 1], got label_smoothing=" + format_number(label_smoothing));
}

// Each label an integer class id in [0, classes), or the ignored class.
void check_labels(const Loss& loss, const Tensor& labels, std::size_t classes, std::optional<int> ignore_class) {
    const float* y = labels.data();
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (ignore_class && y[i] == static_cast<float>(*ignore_class)) continue;
        if (!(y[i] >= 0.0f && y[i] < static_cast<float>(classes) && y[i] == std::floor(y[i])))
            throw Error(loss.class_name() + ": expected y_true to hold integer class ids in [0, " +
                        std::to_string(classes) + "), got " + format_number(y[i]) + " at y_true[" + std::to_string(i) +
                        "] (y_pred has " + std::to_string(classes) + " classes)");
    }
}

// -log(clip(p[y] / sum(p), eps, 1 - eps)) per row: Keras renormalises probabilities, clips, and
// takes the log. One pass over the row instead of five ops on the default softmax path.
// probs (N, C), labels (N,) -> (N,)
Tensor sparse_crossentropy_from_probabilities(const Tensor& probs, const Tensor& labels) {
    const std::size_t n = probs.dim(0), c = probs.dim(1);
    Tensor out = Tensor::empty({n});
    Tensor row_sums = Tensor::empty({n});
    const float* p = probs.data();
    const float* y = labels.data();
    float* o = out.data();
    float* s = row_sums.data();
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = p + i * c;
        float sum = 0.0f;
        for (std::size_t j = 0; j < c; ++j) sum += row[j];
        s[i] = sum;
        o[i] = -std::log(std::clamp(row[static_cast<std::size_t>(y[i])] / sum, losses::epsilon, 1.0f - losses::epsilon));
    }
    return detail::record(
        "sparse_categorical_crossentropy", out, {probs},
        [probs = probs.detach(), labels = labels.detach(), row_sums](const Tensor& dy, detail::InputGrads& dx) {
            // Inside the clip range L = -log(p_y) + log(sum_j p_j), so
            // dp_j = dy (1 / sum - [j == y] / p_y)   [N, C] = [N] x [N, C]; zero where clipped.
            Tensor dp = dx.acc(0);
            const std::size_t n = probs.dim(0), c = probs.dim(1);
            const float* p = probs.data();
            const float* y = labels.data();
            const float* s = row_sums.data();
            const float* g = dy.data();
            float* d = dp.data();
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t label = static_cast<std::size_t>(y[i]);
                const float p_y = p[i * c + label];
                const float q = p_y / s[i];
                if (!(q > losses::epsilon && q < 1.0f - losses::epsilon)) continue;
                const float per_class = g[i] / s[i];
                float* row = d + i * c;
                for (std::size_t j = 0; j < c; ++j) row[j] += per_class;
                row[label] -= g[i] / p_y;
            }
        });
}

using json = nlohmann::json;

template <class L>
std::shared_ptr<Loss> make() {
    return std::make_shared<L>();
}

struct Identifier {
    const char* identifier;
    std::shared_ptr<Loss> (*make)();
};

// Keras 3's names: class names, function names, and the short aliases of keras.losses.get.
constexpr Identifier identifiers[] = {
    {"mean_squared_error", make<losses::MeanSquaredError>},
    {"mse", make<losses::MeanSquaredError>},
    {"MSE", make<losses::MeanSquaredError>},
    {"MeanSquaredError", make<losses::MeanSquaredError>},
    {"mean_absolute_error", make<losses::MeanAbsoluteError>},
    {"mae", make<losses::MeanAbsoluteError>},
    {"MAE", make<losses::MeanAbsoluteError>},
    {"MeanAbsoluteError", make<losses::MeanAbsoluteError>},
    {"huber", make<losses::Huber>},
    {"Huber", make<losses::Huber>},
    {"log_cosh", make<losses::LogCosh>},
    {"logcosh", make<losses::LogCosh>},
    {"LogCosh", make<losses::LogCosh>},
    {"binary_crossentropy", make<losses::BinaryCrossentropy>},
    {"bce", make<losses::BinaryCrossentropy>},
    {"BCE", make<losses::BinaryCrossentropy>},
    {"BinaryCrossentropy", make<losses::BinaryCrossentropy>},
    {"categorical_crossentropy", make<losses::CategoricalCrossentropy>},
    {"CategoricalCrossentropy", make<losses::CategoricalCrossentropy>},
    {"sparse_categorical_crossentropy", make<losses::SparseCategoricalCrossentropy>},
    {"SparseCategoricalCrossentropy", make<losses::SparseCategoricalCrossentropy>},
    {"kl_divergence", make<losses::KLDivergence>},
    {"kld", make<losses::KLDivergence>},
    {"KLD", make<losses::KLDivergence>},
    {"kullback_leibler_divergence", make<losses::KLDivergence>},
    {"KLDivergence", make<losses::KLDivergence>},
    {"hinge", make<losses::Hinge>},
    {"Hinge", make<losses::Hinge>},
};

// Options with only a name, from a Keras config.
template <class L, class Options>
std::shared_ptr<Loss> named(const json& config) {
    Options options;
    options.name = config.value("name", options.name);
    return std::make_shared<L>(std::move(options));
}

std::shared_ptr<Loss> from_config(const std::string& class_name, const json& config) {
    using namespace losses;
    if (class_name == "MeanSquaredError") return named<MeanSquaredError, MeanSquaredErrorOptions>(config);
    if (class_name == "MeanAbsoluteError") return named<MeanAbsoluteError, MeanAbsoluteErrorOptions>(config);
    if (class_name == "LogCosh") return named<LogCosh, LogCoshOptions>(config);
    if (class_name == "KLDivergence") return named<KLDivergence, KLDivergenceOptions>(config);
    if (class_name == "Hinge") return named<Hinge, HingeOptions>(config);
    if (class_name == "Huber") {
        HuberOptions o;
        o.delta = config.value("delta", o.delta);
        o.name = config.value("name", o.name);
        return std::make_shared<Huber>(std::move(o));
    }
    if (class_name == "BinaryCrossentropy") {
        BinaryCrossentropyOptions o;
        o.from_logits = config.value("from_logits", o.from_logits);
        o.label_smoothing = config.value("label_smoothing", o.label_smoothing);
        o.axis = config.value("axis", o.axis);
        o.name = config.value("name", o.name);
        return std::make_shared<BinaryCrossentropy>(std::move(o));
    }
    if (class_name == "CategoricalCrossentropy") {
        CategoricalCrossentropyOptions o;
        o.from_logits = config.value("from_logits", o.from_logits);
        o.label_smoothing = config.value("label_smoothing", o.label_smoothing);
        o.axis = config.value("axis", o.axis);
        o.name = config.value("name", o.name);
        return std::make_shared<CategoricalCrossentropy>(std::move(o));
    }
    if (class_name == "SparseCategoricalCrossentropy") {
        SparseCategoricalCrossentropyOptions o;
        o.from_logits = config.value("from_logits", o.from_logits);
        if (config.contains("ignore_class") && !config["ignore_class"].is_null())
            o.ignore_class = config["ignore_class"].get<int>();
        o.name = config.value("name", o.name);
        return std::make_shared<SparseCategoricalCrossentropy>(std::move(o));
    }
    throw Error("losses::deserialize: unknown loss class '" + class_name +
                "'; expected one of: MeanSquaredError, MeanAbsoluteError, Huber, LogCosh, BinaryCrossentropy, "
                "CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Hinge");
}

}  // namespace

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) const {
    if (!y_true.defined() || !y_pred.defined())
        throw Error(class_name() + ": y_true and y_pred must be defined tensors");
    Tensor losses = call(y_true, y_pred);
    if (losses.rank() > 1) {   // a custom loss that kept more than the batch axis
        ops::Axes rest;
        for (int i = 1; i < static_cast<int>(losses.rank()); ++i) rest.push_back(i);
        losses = ops::mean(losses, rest);
    }
    if (!sample_weight.defined()) return losses.rank() == 0 ? losses : ops::mean(losses);
    const std::size_t batch = losses.rank() == 0 ? 1 : losses.dim(0);
    const bool per_sample = sample_weight.rank() >= 1 && sample_weight.dim(0) == batch && sample_weight.size() == batch;
    if (!per_sample && sample_weight.rank() != 0)
        throw Error(class_name() + ": expected sample_weight with one weight per sample, shape (" +
                    std::to_string(batch) + ",), got shape " + to_string(sample_weight.shape()));
    const Tensor weights = sample_weight.rank() > 1 ? ops::reshape(sample_weight, {batch}) : sample_weight;
    return ops::mean(ops::multiply(losses, weights));
}

nlohmann::json Loss::get_config() const { return {{"name", name()}, {"reduction", "sum_over_batch_size"}}; }

std::shared_ptr<Loss> Loss::get(const std::string& identifier) {
    for (const Identifier& entry : identifiers)
        if (identifier == entry.identifier) return entry.make();
    std::string valid;
    for (const Identifier& entry : identifiers) valid += std::string(valid.empty() ? "" : ", ") + entry.identifier;
    throw Error("Unknown loss identifier '" + identifier + "'; expected one of: " + valid);
}

namespace losses {

Tensor MeanSquaredError::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = aligned(*this, y_true, y_pred);
    return per_sample(*this, ops::square(t - p), -1, Reduce::mean);
}

Tensor MeanAbsoluteError::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = aligned(*this, y_true, y_pred);
    return per_sample(*this, ops::abs(t - p), -1, Reduce::mean);
}

Huber::Huber(HuberOptions options) : options_(std::move(options)) {
    if (!(options_.delta > 0.0f))
        throw Error("Huber: expected delta > 0, got delta=" + format_number(options_.delta));
}

Tensor Huber::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = aligned(*this, y_true, y_pred);
    // With q = min(|e|, delta), 0.5 q^2 + delta (|e| - q) is 0.5 e^2 inside [-delta, delta] and
    // delta |e| - 0.5 delta^2 outside, with no select op; its gradient is e, resp. delta sign(e).
    const float delta = options_.delta;
    Tensor abs_error = ops::abs(p - t);
    Tensor q = ops::clip(abs_error, 0.0f, delta);
    return per_sample(*this, 0.5f * ops::square(q) + delta * (abs_error - q), -1, Reduce::mean);
}

nlohmann::json Huber::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["delta"] = options_.delta;
    return config;
}

Tensor LogCosh::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = aligned(*this, y_true, y_pred);
    // log(cosh(e)) = e + softplus(-2e) - log(2): no exp(e) to overflow for large errors.
    Tensor error = p - t;
    return per_sample(*this, error + ops::softplus(-2.0f * error) - std::log(2.0f), -1, Reduce::mean);
}

BinaryCrossentropy::BinaryCrossentropy(BinaryCrossentropyOptions options) : options_(std::move(options)) {
    check_label_smoothing("BinaryCrossentropy", options_.label_smoothing);
}

Tensor BinaryCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = aligned(*this, y_true, y_pred);
    const float smoothing = options_.label_smoothing;
    if (smoothing > 0.0f) t = t * (1.0f - smoothing) + 0.5f * smoothing;
    Tensor elementwise;
    if (options_.from_logits) {
        // -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) = softplus(x) - t x: stable for any x,
        // and its gradient is exactly sigmoid(x) - t.
        elementwise = ops::softplus(p) - t * p;
    } else {
        Tensor q = ops::clip(p, epsilon, 1.0f - epsilon);
        elementwise = -(t * ops::log(q) + (1.0f - t) * ops::log(1.0f - q));
    }
    return per_sample(*this, elementwise, options_.axis, Reduce::mean);
}

nlohmann::json BinaryCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    config["axis"] = options_.axis;
    return config;
}

CategoricalCrossentropy::CategoricalCrossentropy(CategoricalCrossentropyOptions options)
    : options_(std::move(options)) {
    check_label_smoothing("CategoricalCrossentropy", options_.label_smoothing);
}

Tensor CategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = as_batch(aligned(*this, y_true, y_pred,
                                   " (y_true must be one-hot; for integer class ids use SparseCategoricalCrossentropy)"));
    const int axis = class_axis(*this, options_.axis, p.rank());
    const float smoothing = options_.label_smoothing;
    // Smoothed over the class axis (Keras divides by the last dimension, which differs when axis != -1).
    const float classes = static_cast<float>(p.dim(axis));
    if (smoothing > 0.0f) t = t * (1.0f - smoothing) + smoothing / classes;
    Tensor log_p = options_.from_logits
                       ? ops::log_softmax(p, axis)
                       : ops::log(ops::clip(p / ops::sum(p, {axis}, true), epsilon, 1.0f - epsilon));
    return -per_sample(*this, t * log_p, axis, Reduce::sum);
}

nlohmann::json CategoricalCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["label_smoothing"] = options_.label_smoothing;
    config["axis"] = options_.axis;
    return config;
}

Tensor SparseCategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
    if (y_pred.rank() == 0)
        throw Error(class_name() + ": expected y_pred of shape (batch, classes), got a scalar");
    const Shape& pred_shape = y_pred.shape();
    const Shape outer(pred_shape.begin(), pred_shape.end() - 1);   // (B, ...): one label each
    const std::size_t classes = pred_shape.back();
    Shape label_shape = y_true.shape();
    if (label_shape.size() == pred_shape.size() && label_shape.back() == 1) label_shape.pop_back();
    if (label_shape != outer)
        throw Error(class_name() + ": expected y_true of shape " + to_string(outer) +
                    " (integer class ids) for y_pred of shape " + to_string(pred_shape) + ", got y_true " +
                    to_string(y_true.shape()));
    const std::size_t rows = num_elements(outer);
    Tensor labels = y_true.detach().reshaped({rows});
    check_labels(*this, labels, classes, options_.ignore_class);

    // Ignored labels become class 0 with weight 0; the others weigh rows / valid, so that the mean
    // over the batch is the mean over valid labels (Keras masks the loss the same way).
    Tensor weights;
    if (options_.ignore_class) {
        labels = labels.clone();
        weights = Tensor::empty({rows});
        const float ignored = static_cast<float>(*options_.ignore_class);
        std::size_t valid = 0;
        for (std::size_t i = 0; i < rows; ++i) {
            const bool keep = labels.data()[i] != ignored;
            valid += keep;
            weights.data()[i] = keep ? 1.0f : 0.0f;
            if (!keep) labels.data()[i] = 0.0f;
        }
        const float scale = valid > 0 ? static_cast<float>(rows) / static_cast<float>(valid) : 0.0f;
        for (std::size_t i = 0; i < rows; ++i) weights.data()[i] *= scale;
    }

    const Tensor scores = pred_shape.size() == 2 ? y_pred : ops::reshape(y_pred, {rows, classes});
    Tensor losses = options_.from_logits ? ops::sparse_softmax_cross_entropy(scores, labels)
                                         : sparse_crossentropy_from_probabilities(scores, labels);
    if (weights.defined()) losses = losses * weights;
    if (outer.size() <= 1) return losses;
    return per_sample(*this, ops::reshape(losses, outer), -1, Reduce::mean);
}

nlohmann::json SparseCategoricalCrossentropy::get_config() const {
    nlohmann::json config = Loss::get_config();
    config["from_logits"] = options_.from_logits;
    config["ignore_class"] = options_.ignore_class ? nlohmann::json(*options_.ignore_class) : nlohmann::json(nullptr);
    return config;
}

Tensor KLDivergence::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = as_batch(aligned(*this, y_true, y_pred));
    Tensor tc = ops::clip(t, epsilon, 1.0f);
    Tensor pc = ops::clip(p, epsilon, 1.0f);
    return per_sample(*this, tc * ops::log(tc / pc), -1, Reduce::sum);
}

Tensor Hinge::call(const Tensor& y_true, const Tensor& y_pred) const {
    auto [t, p] = aligned(*this, y_true, y_pred);
    const float* labels = t.data();
    if (std::all_of(labels, labels + t.size(), [](float v) { return v == 0.0f || v == 1.0f; }))
        t = 2.0f * t - 1.0f;   // Keras: binary 0/1 labels become -1/1
    return per_sample(*this, ops::relu(1.0f - t * p), -1, Reduce::mean);
}

nlohmann::json serialize(const Loss& loss) { return {{"class_name", loss.class_name()}, {"config", loss.get_config()}}; }

std::shared_ptr<Loss> deserialize(const nlohmann::json& serialized) {
    if (serialized.is_string()) return Loss::get(serialized.get<std::string>());
    if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
        throw Error("losses::deserialize: expected a loss identifier or {\"class_name\": ..., \"config\": {...}}, got " +
                    serialized.dump());
    const std::string class_name = serialized["class_name"].get<std::string>();
    const json config = serialized.value("config", json::object());
    const std::string reduction = config.value("reduction", std::string("sum_over_batch_size"));
    if (reduction != "sum_over_batch_size")
        throw Error("losses::deserialize: " + class_name + " has reduction '" + reduction +
                    "'; kerasxx losses support only 'sum_over_batch_size'");
    try {
        return from_config(class_name, config);
    } catch (const json::exception& e) {
        throw Error("losses::deserialize: invalid config for " + class_name + ": " + config.dump() + " (" + e.what() + ")");
    }
}

}  // namespace losses
}  // namespace kx
