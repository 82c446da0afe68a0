// F-scores: the weighted harmonic mean of precision and recall, per class of (B, C) inputs.
//
//   kx::metrics::F1Score f1({.average = "macro", .threshold = 0.5});
//   f1.update_state(one_hot_labels, probabilities);   // (B, C) and (B, C)
//   double macro_f1 = f1.result();
//
// Keras' default average=None returns one score per class. result() here is one number, so with
// average unset result() throws a kx::Error that says what to do, unless there is one class;
// result_per_class() gives the scores Keras returns. sample_weight: a scalar or (B,).
#pragma once

#include <kerasxx/metrics/metric.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kx::metrics {

struct FBetaScoreOptions {
    // Unset (Keras' None): one score per class; "micro": from the counts pooled over classes;
    // "macro": the mean of the class scores; "weighted": their mean weighted by class support.
    std::optional<std::string> average = {};
    double beta = 1.0;                  // > 0: recall weighs beta times as much as precision
    // In (0, 1]: y_pred > threshold is positive. Unset: each row's maximum (if not 0) is positive.
    std::optional<double> threshold = {};
    std::string name = "fbeta_score";
};
// (1 + beta^2) * precision * recall / (beta^2 * precision + recall), with Keras' epsilon (1e-7)
// in each denominator.
class FBetaScore : public Metric {
public:
    explicit FBetaScore(FBetaScoreOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    double result() const override;   // 0 before the first update
    // The scores before averaging: one per class, or one pooled score for "micro".
    std::vector<double> result_per_class() const;
    void reset_state() override;
    std::string class_name() const override { return "FBetaScore"; }
    std::string name() const override { return options_.name; }
    nlohmann::json get_config() const override;   // name, dtype, average, beta, threshold

protected:
    FBetaScore(FBetaScoreOptions options, const char* class_name);

private:
    FBetaScoreOptions options_;
    std::size_t classes_ = 0;   // set by the first update
    // Per class, or one pooled slot for "micro".
    std::vector<double> true_positives_, false_positives_, false_negatives_, support_;
};

struct F1ScoreOptions {
    std::optional<std::string> average = {};   // as in FBetaScoreOptions
    std::optional<double> threshold = {};
    std::string name = "f1_score";
};
// FBetaScore with beta = 1: 2 * precision * recall / (precision + recall).
class F1Score : public FBetaScore {
public:
    explicit F1Score(F1ScoreOptions options = {});
    std::string class_name() const override { return "F1Score"; }
    nlohmann::json get_config() const override;   // FBetaScore's keys without beta
};

}  // namespace kx::metrics
