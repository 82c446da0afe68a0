#include "metrics/confusion_matrix.hpp"

#include "metrics/inputs.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kx::metrics {

namespace detail {

bool evenly_distributed(const std::vector<double>& thresholds) {
    const std::size_t n = thresholds.size();
    if (n < 3) return false;
    for (std::size_t i = 0; i < n; ++i) {
        const float even = static_cast<float>(i) / static_cast<float>(n - 1);   // float32 as numpy's arange
        // np.allclose(atol=1e-7) also has rtol=1e-5.
        if (std::abs(thresholds[i] - even) > 1e-7 + 1e-5 * std::abs(static_cast<double>(even))) return false;
    }
    return true;
}

void ConfusionTable::resize(std::size_t num_thresholds, std::size_t num_columns) {
    thresholds = num_thresholds;
    columns = num_columns;
    clear();
}

void ConfusionTable::clear() {
    const std::size_t size = thresholds * columns;
    tp.assign(size, 0.0);
    fp.assign(size, 0.0);
    tn.assign(size, 0.0);
    fn.assign(size, 0.0);
}

namespace {

// How many thresholds p is strictly above: p is positive at thresholds [0, count).
std::size_t thresholds_exceeded(float p, const Thresholds& thresholds) {
    const std::size_t n = thresholds.values.size();
    if (std::isnan(p)) return 0;
    if (!thresholds.evenly_distributed)
        return static_cast<std::size_t>(std::lower_bound(thresholds.values.begin(), thresholds.values.end(), p) -
                                        thresholds.values.begin());
    // Keras' bucket: ceil(p * (n - 1)) - 1 in float32, from 0 when the first threshold is below 0.
    const float clipped = std::clamp(p, 0.0f, 1.0f);
    long bucket = static_cast<long>(std::ceil(clipped * static_cast<float>(n - 1))) - 1;
    if (thresholds.with_epsilon) bucket = std::max(bucket, 0L);
    return static_cast<std::size_t>(bucket + 1);
}

}  // namespace

void accumulate(ConfusionTable& table, const float* labels, const float* predictions, const std::vector<float>& weights,
                std::size_t size, const Thresholds& thresholds) {
    const std::size_t n = table.thresholds, columns = table.columns;
    // Buckets [n + 1, columns]: weight of the elements above exactly k thresholds.
    std::vector<double> positive((n + 1) * columns, 0.0), negative((n + 1) * columns, 0.0);
    for (std::size_t i = 0; i < size; ++i) {
        const double w = weights.empty() ? 1.0 : static_cast<double>(weights[i]);
        const std::size_t slot = thresholds_exceeded(predictions[i], thresholds) * columns + i % columns;
        (labels[i] != 0.0f ? positive : negative)[slot] += w;
    }
    // tp(t_j) = weight of the positives above more than j thresholds: a reverse cumulative sum;
    // fn(t_j) = the other positives.
    for (std::size_t c = 0; c < columns; ++c) {
        double total_pos = 0.0, total_neg = 0.0;
        for (std::size_t k = 0; k <= n; ++k) {
            total_pos += positive[k * columns + c];
            total_neg += negative[k * columns + c];
        }
        double above_pos = 0.0, above_neg = 0.0;
        for (std::size_t k = n; k > 0; --k) {
            above_pos += positive[k * columns + c];
            above_neg += negative[k * columns + c];
            const std::size_t j = (k - 1) * columns + c;
            table.tp[j] += above_pos;
            table.fp[j] += above_neg;
            table.fn[j] += total_pos - above_pos;
            table.tn[j] += total_neg - above_neg;
        }
    }
}

}  // namespace detail

namespace {

// The top_k highest entries of each row of the last axis keep their value, the others become
// neg_inf (Keras' _filter_top_k); ties go to the lower index, as top_k's sort does.
void filter_top_k(std::vector<float>& values, std::size_t row_length, int k) {
    if (row_length == 0) return;
    std::vector<std::size_t> order(row_length);
    std::vector<bool> kept(row_length);
    const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(k), row_length);
    for (std::size_t start = 0; start < values.size(); start += row_length) {
        const float* row = values.data() + start;
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [row](std::size_t a, std::size_t b) { return row[a] > row[b]; });
        std::fill(kept.begin(), kept.end(), false);
        for (std::size_t i = 0; i < keep; ++i) kept[order[i]] = true;
        for (std::size_t j = 0; j < row_length; ++j)
            if (!kept[j]) values[start + j] = detail::neg_inf;
    }
}

// Column `column` of the last axis.
std::vector<float> take_column(const std::vector<float>& values, std::size_t row_length, std::size_t column) {
    std::vector<float> out;
    out.reserve(values.size() / row_length);
    for (std::size_t start = 0; start < values.size(); start += row_length) out.push_back(values[start + column]);
    return out;
}

}  // namespace

ThresholdedMetric::ThresholdedMetric(const std::string& class_name, std::optional<double> thresholds,
                                     std::optional<int> top_k, std::optional<int> class_id, std::string name)
    : init_threshold_(thresholds),
      threshold_(thresholds ? static_cast<float>(*thresholds) : top_k ? detail::neg_inf : 0.5f),
      top_k_(top_k),
      class_id_(class_id),
      name_(std::move(name)) {
    if (thresholds && !(*thresholds >= 0.0 && *thresholds <= 1.0))
        throw Error(class_name + ": threshold values must be in [0, 1]. Received: thresholds=" +
                    std::to_string(*thresholds));
    if (top_k && *top_k < 1)
        throw Error(class_name + ": expected top_k >= 1, got top_k=" + std::to_string(*top_k));
    if (class_id && *class_id < 0)
        throw Error(class_name + ": expected class_id >= 0, got class_id=" + std::to_string(*class_id));
}

void ThresholdedMetric::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    const Shape shape = detail::aligned_shape(*this, y_true, y_pred);
    std::vector<float> weights = detail::element_weights(*this, sample_weight, shape);
    std::vector<float> labels(y_true.data(), y_true.data() + y_true.size());
    std::vector<float> predictions(y_pred.data(), y_pred.data() + y_pred.size());
    const std::size_t row_length = shape.empty() ? 1 : shape.back();
    if (top_k_) filter_top_k(predictions, row_length, *top_k_);
    if (class_id_) {
        if (shape.size() < 2)
            throw Error(detail::describe(*this) + ": class_id needs y_pred of shape (batch, num_classes), got shape " +
                        to_string(y_pred.shape()));
        if (static_cast<std::size_t>(*class_id_) >= row_length)
            throw Error(detail::describe(*this) + ": class_id=" + std::to_string(*class_id_) +
                        " is out of range for y_pred with " + std::to_string(row_length) + " classes, shape " +
                        to_string(y_pred.shape()));
        const auto column = static_cast<std::size_t>(*class_id_);
        labels = take_column(labels, row_length, column);
        predictions = take_column(predictions, row_length, column);
        if (!weights.empty()) weights = take_column(weights, row_length, column);
    }
    detail::ConfusionTable table;
    table.resize(1, 1);
    detail::accumulate(table, labels.data(), predictions.data(), weights, predictions.size(), {{threshold_}});
    counts_.true_positives += table.tp[0];
    counts_.false_positives += table.fp[0];
    counts_.true_negatives += table.tn[0];
    counts_.false_negatives += table.fn[0];
}

nlohmann::json ThresholdedMetric::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["thresholds"] = init_threshold_ ? nlohmann::json(*init_threshold_) : nlohmann::json(nullptr);
    config["top_k"] = top_k_ ? nlohmann::json(*top_k_) : nlohmann::json(nullptr);
    config["class_id"] = class_id_ ? nlohmann::json(*class_id_) : nlohmann::json(nullptr);
    return config;
}

namespace {
double divide_no_nan(double x, double y) { return y != 0.0 ? x / y : 0.0; }
}  // namespace

Precision::Precision(PrecisionOptions options)
    : ThresholdedMetric("Precision", options.thresholds, options.top_k, options.class_id, std::move(options.name)) {}

double Precision::result() const {
    return divide_no_nan(counts().true_positives, counts().true_positives + counts().false_positives);
}

Recall::Recall(RecallOptions options)
    : ThresholdedMetric("Recall", options.thresholds, options.top_k, options.class_id, std::move(options.name)) {}

double Recall::result() const {
    return divide_no_nan(counts().true_positives, counts().true_positives + counts().false_negatives);
}

}  // namespace kx::metrics
