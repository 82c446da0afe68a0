// R2Score: the coefficient of determination of regression outputs (B, D), per output column.
//
//   kx::metrics::R2Score r2;                                     // mean of the column scores
//   kx::metrics::R2Score adjusted({.num_regressors = 3});        // adjusted R2
//   r2.update_state(targets, predictions);
//
// Keras' class_aggregation=None returns one score per column; result() here is one number, so
// with class_aggregation unset it throws a kx::Error unless there is one column, and
// result_per_class() gives the column scores. sample_weight: a scalar, (B,) or (B, D).
#pragma once

#include <kerasxx/metrics/metric.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kx::metrics {

struct R2ScoreOptions {
    // "uniform_average", "variance_weighted_average", or unset (Keras' None: per column).
    std::optional<std::string> class_aggregation = "uniform_average";
    // > 0: the adjusted score 1 - (1 - R2)(n - 1)/(n - p - 1), n counting every element seen (as
    // Keras does); when p >= n - 1 the plain score is returned, where Keras warns.
    int num_regressors = 0;
    std::string name = "r2_score";
};
// 1 - sum((y - y_pred)^2) / sum((y - mean(y))^2) per column, with weighted sums; a column whose
// targets did not vary but whose predictions missed scores 0 (Keras replaces the infinity).
class R2Score : public Metric {
public:
    explicit R2Score(R2ScoreOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    double result() const override;   // 0 before the first update
    std::vector<double> result_per_class() const;   // the column scores, before aggregation
    void reset_state() override;
    std::string class_name() const override { return "R2Score"; }
    std::string name() const override { return options_.name; }
    nlohmann::json get_config() const override;   // name, dtype, class_aggregation, num_regressors

private:
    double adjust(double score) const;

    R2ScoreOptions options_;
    std::size_t columns_ = 0;   // set by the first update
    double num_samples_ = 0.0;
    std::vector<double> squared_sum_, sum_, residual_, count_;
};

}  // namespace kx::metrics
