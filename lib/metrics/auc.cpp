#include "metrics/confusion_matrix.hpp"
#include "metrics/inputs.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace kx::metrics {

namespace {

constexpr double epsilon = 1e-7;   // Keras' backend.epsilon(): the endpoints sit just outside [0, 1]

double divide_no_nan(double x, double y) { return y != 0.0 ? x / y : 0.0; }

// Keras' AUCCurve.from_str and AUCSummationMethod.from_str spellings, stored canonically.
std::string canonical_curve(const std::string& curve) {
    if (curve == "ROC" || curve == "roc") return "ROC";
    if (curve == "PR" || curve == "pr") return "PR";
    throw Error("AUC: invalid curve \"" + curve + "\"; expected one of: \"ROC\", \"PR\"");
}

std::string canonical_summation(const std::string& method) {
    for (const char* valid : {"interpolation", "minoring", "majoring"}) {
        std::string capitalised = valid;
        capitalised[0] = static_cast<char>(capitalised[0] - 'a' + 'A');
        if (method == valid || method == capitalised) return valid;
    }
    throw Error("AUC: invalid summation_method \"" + method +
                "\"; expected one of: \"interpolation\", \"minoring\", \"majoring\"");
}

}  // namespace

AUC::AUC(AUCOptions options) : options_(std::move(options)), init_from_thresholds_(!options_.thresholds.empty()) {
    options_.curve = canonical_curve(options_.curve);
    options_.summation_method = canonical_summation(options_.summation_method);
    std::vector<double> inner;
    if (init_from_thresholds_) {
        inner = options_.thresholds;
        std::sort(inner.begin(), inner.end());
        options_.thresholds = inner;
        options_.num_thresholds = static_cast<int>(inner.size()) + 2;
        std::vector<double> with_ends = inner;
        with_ends.insert(with_ends.begin(), 0.0);
        with_ends.push_back(1.0);
        evenly_distributed_ = detail::evenly_distributed(with_ends);
    } else {
        if (options_.num_thresholds <= 1)
            throw Error("AUC: argument num_thresholds must be an integer > 1. Received: num_thresholds=" +
                        std::to_string(options_.num_thresholds));
        for (int i = 0; i < options_.num_thresholds - 2; ++i)
            inner.push_back((i + 1) * 1.0 / (options_.num_thresholds - 1));
        evenly_distributed_ = true;
    }
    thresholds_ = inner;
    thresholds_.insert(thresholds_.begin(), 0.0 - epsilon);
    thresholds_.push_back(1.0 + epsilon);

    if (options_.num_labels && !options_.multi_label)
        throw Error("AUC: num_labels is needed only when multi_label is true. Received: num_labels=" +
                    std::to_string(*options_.num_labels));
    if (options_.num_labels && *options_.num_labels < 1)
        throw Error("AUC: expected num_labels >= 1, got num_labels=" + std::to_string(*options_.num_labels));
    for (double w : options_.label_weights)
        if (!(w >= 0.0)) throw Error("AUC: label_weights must be non-negative, got " + std::to_string(w));
    labels_ = options_.multi_label ? static_cast<std::size_t>(options_.num_labels.value_or(0)) : 1;
    reset_state();
}

void AUC::reset_state() {
    const std::size_t size = thresholds_.size() * labels_;
    true_positives_.assign(size, 0.0);
    false_positives_.assign(size, 0.0);
    true_negatives_.assign(size, 0.0);
    false_negatives_.assign(size, 0.0);
}

void AUC::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    const Shape shape = detail::aligned_shape(*this, y_true, y_pred);
    const std::size_t last = shape.size() >= 2 ? shape.back() : 1;   // labels: (B,) is one
    if (options_.multi_label) {
        if (shape.size() != 2)
            throw Error(detail::describe(*this) + ": y_pred must have rank 2 (batch, labels) when multi_label=true, got shape " +
                        to_string(y_pred.shape()));
        if (labels_ == 0) {
            labels_ = last;
            reset_state();
        } else if (last != labels_) {
            throw Error(detail::describe(*this) + ": expected " + std::to_string(labels_) +
                        " labels (the last dimension of y_pred), got shape " + to_string(y_pred.shape()));
        }
    }
    if (!options_.label_weights.empty() && options_.label_weights.size() != last)
        throw Error(detail::describe(*this) + ": label_weights has " + std::to_string(options_.label_weights.size()) +
                    " entries but y_pred has " + std::to_string(last) + " labels, shape " + to_string(y_pred.shape()));

    std::vector<float> weights = detail::element_weights(*this, sample_weight, shape);
    // Without multi_label, label_weights weigh each column's elements in the pooled counts.
    if (!options_.multi_label && !options_.label_weights.empty()) {
        if (weights.empty()) weights.assign(y_pred.size(), 1.0f);
        for (std::size_t i = 0; i < weights.size(); ++i)
            weights[i] *= static_cast<float>(options_.label_weights[i % last]);
    }
    std::vector<float> predictions(y_pred.data(), y_pred.data() + y_pred.size());
    if (options_.from_logits)
        for (float& p : predictions) p = 1.0f / (1.0f + std::exp(-p));

    detail::Thresholds thresholds;
    for (double t : thresholds_) thresholds.values.push_back(static_cast<float>(t));
    thresholds.evenly_distributed = evenly_distributed_;
    thresholds.with_epsilon = evenly_distributed_;   // the endpoints are always outside [0, 1]

    detail::ConfusionTable table;
    table.resize(thresholds_.size(), labels_);
    detail::accumulate(table, y_true.data(), predictions.data(), weights, predictions.size(), thresholds);
    for (std::size_t i = 0; i < table.tp.size(); ++i) {
        true_positives_[i] += table.tp[i];
        false_positives_[i] += table.fp[i];
        true_negatives_[i] += table.tn[i];
        false_negatives_[i] += table.fn[i];
    }
}

double AUC::average_over_labels(const std::vector<double>& per_label) const {
    if (per_label.empty()) return 0.0;
    if (!options_.multi_label) return per_label[0];
    if (options_.label_weights.empty()) {
        double sum = 0.0;
        for (double v : per_label) sum += v;
        return sum / static_cast<double>(per_label.size());
    }
    double weighted = 0.0, total = 0.0;
    for (std::size_t l = 0; l < per_label.size(); ++l) {
        weighted += per_label[l] * options_.label_weights[l];
        total += options_.label_weights[l];
    }
    return divide_no_nan(weighted, total);
}

// Davis & Goadrich (2006) as Keras derives it: between consecutive thresholds A and B, TP and
// P = TP + FP vary linearly, so precision = (TP_A + slope (P - P_A)) / P integrates over recall to
// slope * (dTP + intercept * log(P_B / P_A)) / (TP_B + FN_B).
double AUC::interpolate_pr_auc() const {
    const std::size_t n = thresholds_.size(), columns = labels_;
    std::vector<double> per_label(columns, 0.0);
    for (std::size_t l = 0; l < columns; ++l) {
        for (std::size_t i = 0; i + 1 < n; ++i) {
            const std::size_t a = i * columns + l, b = (i + 1) * columns + l;
            const double dtp = true_positives_[a] - true_positives_[b];
            const double p_a = true_positives_[a] + false_positives_[a];
            const double p_b = true_positives_[b] + false_positives_[b];
            const double slope = divide_no_nan(dtp, std::max(p_a - p_b, 0.0));
            const double intercept = true_positives_[b] - slope * p_b;
            const double ratio = p_a > 0.0 && p_b > 0.0 ? divide_no_nan(p_a, std::max(p_b, 0.0)) : 1.0;
            per_label[l] += divide_no_nan(slope * (dtp + intercept * std::log(ratio)),
                                          std::max(true_positives_[b] + false_negatives_[b], 0.0));
        }
    }
    return average_over_labels(per_label);
}

double AUC::result() const {
    if (labels_ == 0) return 0.0;   // multi_label, nothing seen yet
    if (options_.curve == "PR" && options_.summation_method == "interpolation") return interpolate_pr_auc();
    const std::size_t n = thresholds_.size(), columns = labels_;
    std::vector<double> per_label(columns, 0.0);
    for (std::size_t l = 0; l < columns; ++l) {
        // x and y of the curve at threshold i: (fp rate, recall) for ROC, (recall, precision) for PR.
        const auto point = [&](std::size_t i) {
            const std::size_t j = i * columns + l;
            const double recall = divide_no_nan(true_positives_[j], true_positives_[j] + false_negatives_[j]);
            if (options_.curve == "ROC")
                return std::pair{divide_no_nan(false_positives_[j], false_positives_[j] + true_negatives_[j]), recall};
            return std::pair{recall, divide_no_nan(true_positives_[j], true_positives_[j] + false_positives_[j])};
        };
        for (std::size_t i = 0; i + 1 < n; ++i) {
            const auto [x0, y0] = point(i);
            const auto [x1, y1] = point(i + 1);
            const double height = options_.summation_method == "interpolation" ? (y0 + y1) / 2.0
                                  : options_.summation_method == "minoring"    ? std::min(y0, y1)
                                                                                : std::max(y0, y1);
            per_label[l] += (x0 - x1) * height;
        }
    }
    return average_over_labels(per_label);
}

nlohmann::json AUC::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["num_thresholds"] = options_.num_thresholds;
    config["curve"] = options_.curve;
    config["summation_method"] = options_.summation_method;
    config["multi_label"] = options_.multi_label;
    config["num_labels"] = options_.num_labels ? nlohmann::json(*options_.num_labels) : nlohmann::json(nullptr);
    config["label_weights"] = options_.label_weights.empty() ? nlohmann::json(nullptr) : nlohmann::json(options_.label_weights);
    config["from_logits"] = options_.from_logits;
    if (init_from_thresholds_) config["thresholds"] = options_.thresholds;
    return config;
}

}  // namespace kx::metrics
