// Metrics from weighted confusion-matrix counts: Precision, Recall and AUC.
//
//   kx::metrics::Precision precision;                                  // y_pred > 0.5 is positive
//   kx::metrics::Recall recall_top2({.top_k = 2, .class_id = 3});      // class 3 among the top 2
//   kx::metrics::AUC pr_auc({.curve = "PR"});
//   model.compile({.optimizer = "adam", .loss = "binary_crossentropy", .metrics = {"precision", "auc"}});
//
// Labels are cast to bool (nonzero is positive); a prediction is positive when strictly greater
// than the threshold. sample_weight is a scalar, one weight per sample (B,), or any shape that
// broadcasts to y_pred's once padded with trailing 1s, e.g. per element (B, C) or per class (1, C).
// Keras' Precision and Recall also take a list of thresholds and then return one value each;
// result() here is one number, so kerasxx takes one threshold (a deserialized list must hold one).
#pragma once

#include <kerasxx/metrics/metric.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kx::metrics {

// Weighted counts of a binary confusion matrix.
struct ConfusionCounts {
    double true_positives = 0.0;
    double false_positives = 0.0;
    double true_negatives = 0.0;
    double false_negatives = 0.0;
};

// What Precision and Recall share: the threshold, top_k and class_id, and the counts.
class ThresholdedMetric : public Metric {
public:
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    void reset_state() override { counts_ = {}; }
    std::string name() const override { return name_; }
    // Keras' keys: name, dtype, thresholds, top_k, class_id (null when unset).
    nlohmann::json get_config() const override;
    const ConfusionCounts& counts() const { return counts_; }

protected:
    ThresholdedMetric(const std::string& class_name, std::optional<double> thresholds, std::optional<int> top_k,
                      std::optional<int> class_id, std::string name);

private:
    std::optional<double> init_threshold_;
    float threshold_;   // compared in float32, as Keras does
    std::optional<int> top_k_;
    std::optional<int> class_id_;
    std::string name_;
    ConfusionCounts counts_;
};

struct PrecisionOptions {
    // In [0, 1]. Unset: 0.5, or with top_k every top-k prediction counts as positive.
    std::optional<double> thresholds = {};
    std::optional<int> top_k = {};      // only the k highest predictions of each row can be positive
    std::optional<int> class_id = {};   // only column class_id of (..., C) inputs counts
    std::string name = "precision";
};
// true_positives / (true_positives + false_positives); 0 when nothing was predicted positive.
class Precision : public ThresholdedMetric {
public:
    explicit Precision(PrecisionOptions options = {});
    double result() const override;
    std::string class_name() const override { return "Precision"; }
};

struct RecallOptions {
    std::optional<double> thresholds = {};   // as in PrecisionOptions
    std::optional<int> top_k = {};
    std::optional<int> class_id = {};
    std::string name = "recall";
};
// true_positives / (true_positives + false_negatives); 0 when there was no positive label.
class Recall : public ThresholdedMetric {
public:
    explicit Recall(RecallOptions options = {});
    double result() const override;
    std::string class_name() const override { return "Recall"; }
};

struct AUCOptions {
    int num_thresholds = 200;                        // > 1; ignored when thresholds are given
    std::string curve = "ROC";                       // "ROC" or "PR"
    std::string summation_method = "interpolation";  // "interpolation", "minoring" or "majoring"
    std::string name = "auc";
    // Explicit thresholds (sorted here); -1e-7 and 1 + 1e-7 are added around them.
    std::vector<double> thresholds = {};
    bool multi_label = false;       // one AUC per label (column of (B, L) inputs), then averaged
    std::optional<int> num_labels = {};  // with multi_label: the expected L
    // Per label: with multi_label, the weights of the label AUCs in the average; without, the
    // weights of each column's predictions in the pooled counts.
    std::vector<double> label_weights = {};
    bool from_logits = false;       // apply a sigmoid to y_pred first
};
// The area under the ROC or precision-recall curve, from counts at num_thresholds thresholds:
// 0 - 1e-7, (i + 1) / (num_thresholds - 1) for i < num_thresholds - 2, 1 + 1e-7. ROC uses the
// trapezoid rule by default; PR with "interpolation" integrates precision as Davis & Goadrich
// (2006) do, interpolating the counts and not the ratio. "minoring" and "majoring" give lower
// and upper Riemann bounds. Evenly spaced thresholds clip predictions to [0, 1] first, as Keras.
class AUC : public Metric {
public:
    explicit AUC(AUCOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    double result() const override;
    void reset_state() override;
    std::string class_name() const override { return "AUC"; }
    std::string name() const override { return options_.name; }
    // Keras' keys: name, dtype, num_thresholds, curve, summation_method, multi_label, num_labels,
    // label_weights, from_logits, and thresholds when they were given.
    nlohmann::json get_config() const override;
    const std::vector<double>& thresholds() const { return thresholds_; }   // with both endpoints

private:
    double interpolate_pr_auc() const;
    double average_over_labels(const std::vector<double>& per_label) const;

    AUCOptions options_;
    bool init_from_thresholds_;
    std::vector<double> thresholds_;
    bool evenly_distributed_;
    std::size_t labels_ = 0;   // columns of the counts: 1, or L with multi_label once seen
    // [num_thresholds, labels_], row-major.
    std::vector<double> true_positives_, false_positives_, true_negatives_, false_negatives_;
};

}  // namespace kx::metrics
