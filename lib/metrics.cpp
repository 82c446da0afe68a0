#include "metrics/inputs.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/losses.hpp>
#include <kerasxx/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace kx {

namespace {

using metrics::detail::describe;

// One weight per sample (stride 1), one for all (stride 0), or none (every weight 1).
struct Weights {
    const float* data = nullptr;
    std::size_t stride = 0;
    double operator[](std::size_t sample) const { return data ? static_cast<double>(data[sample * stride]) : 1.0; }
};

Weights sample_weights(const Metric& metric, const Tensor& sample_weight, std::size_t batch) {
    if (!sample_weight.defined()) return {};
    if (sample_weight.rank() == 0) return {sample_weight.data(), 0};
    if (sample_weight.dim(0) != batch || sample_weight.size() != batch)
        throw Error(describe(metric) + ": expected sample_weight with one weight per sample, shape (" +
                    std::to_string(batch) + ",), got shape " + to_string(sample_weight.shape()));
    return {sample_weight.data(), 1};
}

// The batch size of two tensors compared element by element: the same shape, or shapes that
// differ by a trailing 1 such as (B,) and (B, 1) (Keras' squeeze_or_expand_to_same_rank).
std::size_t elementwise_batch(const Metric& metric, const Tensor& y_true, const Tensor& y_pred) {
    const Shape p = metrics::detail::aligned_shape(metric, y_true, y_pred);
    if (p.empty()) throw Error(describe(metric) + ": expected y_true and y_pred with a batch dimension, got scalars");
    return p[0];
}

// Adds to `mean` one value per sample: f(t, p) averaged over the sample's elements.
template <class F>
void update_elementwise(metrics::Mean& mean, const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight,
                        F f) {
    const std::size_t batch = elementwise_batch(mean, y_true, y_pred);
    const Weights weights = sample_weights(mean, sample_weight, batch);
    if (batch == 0 || y_pred.size() == 0) return;
    const std::size_t per_sample = y_pred.size() / batch;
    const float* t = y_true.data();
    const float* p = y_pred.data();
    for (std::size_t b = 0; b < batch; ++b) {
        double sum = 0.0;
        for (std::size_t j = b * per_sample; j < (b + 1) * per_sample; ++j) sum += f(t[j], p[j]);
        mean.update(sum / static_cast<double>(per_sample), weights[b]);
    }
}

// Rows of y_pred (..., C) grouped by sample: `batch` samples of `rows_per_sample` rows of `classes`.
struct Rows {
    std::size_t batch, rows_per_sample, classes;
};

Rows class_rows(const Tensor& y_pred) {
    const std::size_t classes = y_pred.shape().back();
    const std::size_t batch = y_pred.rank() == 1 ? 1 : y_pred.dim(0);
    const std::size_t rows = classes == 0 ? 0 : y_pred.size() / classes;
    return {batch, batch == 0 ? 0 : rows / batch, classes};
}

// y_pred (..., C) against one-hot y_true of the same shape.
Rows categorical_rows(const Metric& metric, const Tensor& y_true, const Tensor& y_pred) {
    if (y_pred.rank() == 0 || y_true.shape() != y_pred.shape())
        throw Error(describe(metric) + ": expected one-hot y_true of the same shape as y_pred, got y_true " +
                    to_string(y_true.shape()) + " and y_pred " + to_string(y_pred.shape()) +
                    " (for integer class ids use the sparse_ variant)");
    return class_rows(y_pred);
}

// y_pred (..., C) against integer class ids y_true of shape (...) or (..., 1).
Rows sparse_rows(const Metric& metric, const Tensor& y_true, const Tensor& y_pred) {
    if (y_pred.rank() == 0) throw Error(describe(metric) + ": expected y_pred of shape (batch, classes), got a scalar");
    const Shape outer(y_pred.shape().begin(), y_pred.shape().end() - 1);
    Shape labels = y_true.shape();
    if (labels.size() == y_pred.rank() && labels.back() == 1) labels.pop_back();
    if (labels != outer)
        throw Error(describe(metric) + ": expected y_true of shape " + to_string(outer) +
                    " (integer class ids) for y_pred of shape " + to_string(y_pred.shape()) + ", got y_true " +
                    to_string(y_true.shape()));
    return class_rows(y_pred);
}

std::size_t argmax(const float* row, std::size_t n) {   // the first maximum, like numpy
    return static_cast<std::size_t>(std::max_element(row, row + n) - row);
}

// TensorFlow's in_top_k: fewer than k classes score strictly higher than the target, so ties at
// the boundary count as in. A target that is not a class id is never in.
bool in_top_k(const float* row, std::size_t classes, float target, int k) {
    if (!(target >= 0.0f && target < static_cast<float>(classes) && target == std::floor(target))) return false;
    const float score = row[static_cast<std::size_t>(target)];
    if (std::isnan(score)) return false;
    std::size_t higher = 0;
    for (std::size_t j = 0; j < classes; ++j) higher += row[j] > score;
    return higher < static_cast<std::size_t>(k);
}

// Adds to `mean` the fraction of each sample's rows for which hit(t_row, p_row, row) holds.
template <class Hit>
void update_rows(metrics::Mean& mean, const Rows& rows, const Tensor& sample_weight, Hit hit) {
    const Weights weights = sample_weights(mean, sample_weight, rows.batch);
    if (rows.rows_per_sample == 0) return;
    for (std::size_t b = 0; b < rows.batch; ++b) {
        std::size_t hits = 0;
        for (std::size_t r = b * rows.rows_per_sample; r < (b + 1) * rows.rows_per_sample; ++r) hits += hit(r);
        mean.update(static_cast<double>(hits) / static_cast<double>(rows.rows_per_sample), weights[b]);
    }
}

void check_k(const std::string& who, int k) {
    if (k < 1) throw Error(who + ": expected k >= 1, got k=" + std::to_string(k));
}

template <class M, class Options>
std::shared_ptr<Metric> make(const std::string& name) {
    Options options;
    options.name = name;
    return std::make_shared<M>(std::move(options));
}

struct Identifier {
    const char* identifier;
    std::shared_ptr<Metric> (*make)(const std::string& name);
};

// Keras 3's names: class names, their snake_case forms, function names and the short aliases of
// keras.metrics.get (plus "rmse"). MeanIoU is left out: it cannot be built without num_classes.
constexpr Identifier identifiers[] = {
    {"accuracy", make<metrics::Accuracy, metrics::AccuracyOptions>},
    {"Accuracy", make<metrics::Accuracy, metrics::AccuracyOptions>},
    {"binary_accuracy", make<metrics::BinaryAccuracy, metrics::BinaryAccuracyOptions>},
    {"BinaryAccuracy", make<metrics::BinaryAccuracy, metrics::BinaryAccuracyOptions>},
    {"categorical_accuracy", make<metrics::CategoricalAccuracy, metrics::CategoricalAccuracyOptions>},
    {"CategoricalAccuracy", make<metrics::CategoricalAccuracy, metrics::CategoricalAccuracyOptions>},
    {"sparse_categorical_accuracy", make<metrics::SparseCategoricalAccuracy, metrics::SparseCategoricalAccuracyOptions>},
    {"SparseCategoricalAccuracy", make<metrics::SparseCategoricalAccuracy, metrics::SparseCategoricalAccuracyOptions>},
    {"top_k_categorical_accuracy", make<metrics::TopKCategoricalAccuracy, metrics::TopKCategoricalAccuracyOptions>},
    {"TopKCategoricalAccuracy", make<metrics::TopKCategoricalAccuracy, metrics::TopKCategoricalAccuracyOptions>},
    {"sparse_top_k_categorical_accuracy",
     make<metrics::SparseTopKCategoricalAccuracy, metrics::SparseTopKCategoricalAccuracyOptions>},
    {"SparseTopKCategoricalAccuracy",
     make<metrics::SparseTopKCategoricalAccuracy, metrics::SparseTopKCategoricalAccuracyOptions>},
    {"mean_squared_error", make<metrics::MeanSquaredError, metrics::MeanSquaredErrorOptions>},
    {"mse", make<metrics::MeanSquaredError, metrics::MeanSquaredErrorOptions>},
    {"MSE", make<metrics::MeanSquaredError, metrics::MeanSquaredErrorOptions>},
    {"MeanSquaredError", make<metrics::MeanSquaredError, metrics::MeanSquaredErrorOptions>},
    {"mean_absolute_error", make<metrics::MeanAbsoluteError, metrics::MeanAbsoluteErrorOptions>},
    {"mae", make<metrics::MeanAbsoluteError, metrics::MeanAbsoluteErrorOptions>},
    {"MAE", make<metrics::MeanAbsoluteError, metrics::MeanAbsoluteErrorOptions>},
    {"MeanAbsoluteError", make<metrics::MeanAbsoluteError, metrics::MeanAbsoluteErrorOptions>},
    {"root_mean_squared_error", make<metrics::RootMeanSquaredError, metrics::RootMeanSquaredErrorOptions>},
    {"rmse", make<metrics::RootMeanSquaredError, metrics::RootMeanSquaredErrorOptions>},
    {"RootMeanSquaredError", make<metrics::RootMeanSquaredError, metrics::RootMeanSquaredErrorOptions>},
    {"Mean", make<metrics::Mean, metrics::MeanOptions>},
    {"precision", make<metrics::Precision, metrics::PrecisionOptions>},
    {"Precision", make<metrics::Precision, metrics::PrecisionOptions>},
    {"recall", make<metrics::Recall, metrics::RecallOptions>},
    {"Recall", make<metrics::Recall, metrics::RecallOptions>},
    {"auc", make<metrics::AUC, metrics::AUCOptions>},
    {"AUC", make<metrics::AUC, metrics::AUCOptions>},
    {"f1_score", make<metrics::F1Score, metrics::F1ScoreOptions>},
    {"F1Score", make<metrics::F1Score, metrics::F1ScoreOptions>},
    {"f_beta_score", make<metrics::FBetaScore, metrics::FBetaScoreOptions>},
    {"FBetaScore", make<metrics::FBetaScore, metrics::FBetaScoreOptions>},
    {"r2_score", make<metrics::R2Score, metrics::R2ScoreOptions>},
    {"R2Score", make<metrics::R2Score, metrics::R2ScoreOptions>},
};

}  // namespace

nlohmann::json Metric::get_config() const { return {{"name", name()}, {"dtype", "float32"}}; }

std::shared_ptr<Metric> Metric::get(const std::string& identifier) {
    for (const Identifier& entry : identifiers)
        if (identifier == entry.identifier) return entry.make(identifier);
    std::string valid;
    for (const Identifier& entry : identifiers) valid += std::string(valid.empty() ? "" : ", ") + entry.identifier;
    throw Error("Unknown metric identifier '" + identifier + "'; expected one of: " + valid);
}

namespace metrics {

void Mean::update(double value, double weight) {
    total_ += value * weight;
    count_ += weight;
}

void Mean::update(const Tensor& values, const Tensor& sample_weight) {
    if (values.rank() == 0) {
        const Weights weights = sample_weights(*this, sample_weight, 1);
        update(static_cast<double>(values.item()), weights[0]);
        return;
    }
    const std::size_t batch = values.dim(0);
    const Weights weights = sample_weights(*this, sample_weight, batch);
    if (batch == 0 || values.size() == 0) return;
    const std::size_t per_sample = values.size() / batch;
    const float* v = values.data();
    for (std::size_t b = 0; b < batch; ++b) {
        double sum = 0.0;
        for (std::size_t j = b * per_sample; j < (b + 1) * per_sample; ++j) sum += v[j];
        update(sum / static_cast<double>(per_sample), weights[b]);
    }
}

void Mean::update_state(const Tensor&, const Tensor&, const Tensor&) {
    throw Error(describe(*this) +
                ": update_state(y_true, y_pred) does not apply to a Mean; call update(values, sample_weight) "
                "or update(value, weight)");
}

double Mean::result() const { return count_ != 0.0 ? total_ / count_ : 0.0; }

void Mean::reset_state() { total_ = count_ = 0.0; }

void Accuracy::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    update_elementwise(*this, y_true, y_pred, sample_weight, [](float t, float p) { return t == p ? 1.0 : 0.0; });
}

void BinaryAccuracy::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    const float threshold = threshold_;
    update_elementwise(*this, y_true, y_pred, sample_weight,
                       [threshold](float t, float p) { return t == (p > threshold ? 1.0f : 0.0f) ? 1.0 : 0.0; });
}

nlohmann::json BinaryAccuracy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["threshold"] = threshold_;
    return config;
}

void CategoricalAccuracy::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    const Rows rows = categorical_rows(*this, y_true, y_pred);
    const float* t = y_true.data();
    const float* p = y_pred.data();
    const std::size_t c = rows.classes;
    update_rows(*this, rows, sample_weight, [=](std::size_t r) { return argmax(t + r * c, c) == argmax(p + r * c, c); });
}

void SparseCategoricalAccuracy::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    const Rows rows = sparse_rows(*this, y_true, y_pred);
    const float* t = y_true.data();
    const float* p = y_pred.data();
    const std::size_t c = rows.classes;
    update_rows(*this, rows, sample_weight,
                [=](std::size_t r) { return t[r] == static_cast<float>(argmax(p + r * c, c)); });
}

TopKCategoricalAccuracy::TopKCategoricalAccuracy(TopKCategoricalAccuracyOptions options)
    : Mean({std::move(options.name)}), k_(options.k) {
    check_k("TopKCategoricalAccuracy", k_);
}

void TopKCategoricalAccuracy::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    const Rows rows = categorical_rows(*this, y_true, y_pred);
    const float* t = y_true.data();
    const float* p = y_pred.data();
    const std::size_t c = rows.classes;
    const int k = k_;
    update_rows(*this, rows, sample_weight, [=](std::size_t r) {
        return in_top_k(p + r * c, c, static_cast<float>(argmax(t + r * c, c)), k);
    });
}

nlohmann::json TopKCategoricalAccuracy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["k"] = k_;
    return config;
}

SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(SparseTopKCategoricalAccuracyOptions options)
    : Mean({std::move(options.name)}), k_(options.k), from_sorted_ids_(options.from_sorted_ids) {
    check_k("SparseTopKCategoricalAccuracy", k_);
}

void SparseTopKCategoricalAccuracy::update_state(const Tensor& y_true, const Tensor& y_pred,
                                                 const Tensor& sample_weight) {
    const Rows rows = sparse_rows(*this, y_true, y_pred);
    const float* t = y_true.data();
    const float* p = y_pred.data();
    const std::size_t c = rows.classes;
    const int k = k_;
    if (from_sorted_ids_) {   // rows hold ids by decreasing score: a hit is among the first k
        const std::size_t first = std::min(c, static_cast<std::size_t>(k));
        update_rows(*this, rows, sample_weight,
                    [=](std::size_t r) { return std::find(p + r * c, p + r * c + first, t[r]) != p + r * c + first; });
        return;
    }
    update_rows(*this, rows, sample_weight, [=](std::size_t r) { return in_top_k(p + r * c, c, t[r], k); });
}

nlohmann::json SparseTopKCategoricalAccuracy::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["k"] = k_;
    config["from_sorted_ids"] = from_sorted_ids_;
    return config;
}

void MeanSquaredError::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    update_elementwise(*this, y_true, y_pred, sample_weight, [](float t, float p) {
        const double e = static_cast<double>(t) - p;
        return e * e;
    });
}

void MeanAbsoluteError::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    update_elementwise(*this, y_true, y_pred, sample_weight,
                       [](float t, float p) { return std::abs(static_cast<double>(t) - p); });
}

void RootMeanSquaredError::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    update_elementwise(*this, y_true, y_pred, sample_weight, [](float t, float p) {
        const double e = static_cast<double>(t) - p;
        return e * e;
    });
}

double RootMeanSquaredError::result() const { return std::sqrt(Mean::result()); }

std::shared_ptr<Metric> resolve(const std::string& identifier, const Loss& loss, const Shape& y_true_shape,
                                const Shape& y_pred_shape) {
    std::string lower = identifier;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower != "accuracy" && lower != "acc") return Metric::get(identifier);

    if (dynamic_cast<const losses::BinaryCrossentropy*>(&loss))
        return std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.name = identifier});
    if (dynamic_cast<const losses::SparseCategoricalCrossentropy*>(&loss))
        return std::make_shared<SparseCategoricalAccuracy>(SparseCategoricalAccuracyOptions{.name = identifier});
    if (dynamic_cast<const losses::CategoricalCrossentropy*>(&loss))
        return std::make_shared<CategoricalAccuracy>(CategoricalAccuracyOptions{.name = identifier});

    const bool binary = y_pred_shape.size() <= 1 || y_pred_shape.back() == 1;
    const bool sparse = y_true_shape.size() < y_pred_shape.size() ||
                        (!y_true_shape.empty() && y_true_shape.back() == 1 && y_pred_shape.back() > 1);
    if (binary) return std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.name = identifier});
    if (sparse) return std::make_shared<SparseCategoricalAccuracy>(SparseCategoricalAccuracyOptions{.name = identifier});
    return std::make_shared<CategoricalAccuracy>(CategoricalAccuracyOptions{.name = identifier});
}

}  // namespace metrics
}  // namespace kx
