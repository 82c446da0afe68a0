#include "metrics/inputs.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace kx::metrics {

R2Score::R2Score(R2ScoreOptions options) : options_(std::move(options)) {
    if (options_.class_aggregation && *options_.class_aggregation != "uniform_average" &&
        *options_.class_aggregation != "variance_weighted_average")
        throw Error("R2Score: invalid value for argument class_aggregation. Expected one of (None, "
                    "'uniform_average', 'variance_weighted_average'). Received: class_aggregation=" +
                    *options_.class_aggregation);
    if (options_.num_regressors < 0)
        throw Error("R2Score: invalid value for argument num_regressors. Expected a value >= 0. Received: "
                    "num_regressors=" + std::to_string(options_.num_regressors));
}

void R2Score::reset_state() {
    num_samples_ = 0.0;
    for (auto* v : {&squared_sum_, &sum_, &residual_, &count_}) std::fill(v->begin(), v->end(), 0.0);
}

void R2Score::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    Shape shape = detail::aligned_shape(*this, y_true, y_pred);
    if (shape.size() == 1) shape.push_back(1);   // (B,): one output column
    if (shape.size() != 2)
        throw Error(detail::describe(*this) + ": expected 2D inputs with shape (batch_size, output_dim), got y_true " +
                    to_string(y_true.shape()) + " and y_pred " + to_string(y_pred.shape()));
    const std::size_t batch = shape[0], columns = shape[1];
    if (columns_ == 0) {
        columns_ = columns;
        for (auto* v : {&squared_sum_, &sum_, &residual_, &count_}) v->assign(columns, 0.0);
    } else if (columns != columns_) {
        throw Error(detail::describe(*this) + ": expected " + std::to_string(columns_) +
                    " output columns as in earlier batches, got y_pred " + to_string(y_pred.shape()));
    }
    const std::vector<float> weights = detail::element_weights(*this, sample_weight, shape);
    const float* t = y_true.data();
    const float* p = y_pred.data();
    for (std::size_t b = 0; b < batch; ++b) {
        for (std::size_t c = 0; c < columns; ++c) {
            const std::size_t i = b * columns + c;
            const double w = weights.empty() ? 1.0 : static_cast<double>(weights[i]);
            const double y = t[i], error = static_cast<double>(t[i]) - p[i];
            sum_[c] += w * y;
            squared_sum_[c] += w * y * y;
            residual_[c] += w * error * error;
            count_[c] += w;
        }
    }
    num_samples_ += static_cast<double>(batch * columns);   // Keras counts elements, not rows
}

std::vector<double> R2Score::result_per_class() const {
    std::vector<double> scores(columns_);
    for (std::size_t c = 0; c < columns_; ++c) {
        const double mean = sum_[c] / count_[c];
        const double total = squared_sum_[c] - sum_[c] * mean;
        const double score = 1.0 - residual_[c] / total;
        scores[c] = std::isinf(score) ? 0.0 : score;
    }
    return scores;
}

double R2Score::adjust(double score) const {
    const double n = num_samples_, p = options_.num_regressors;
    if (options_.num_regressors == 0 || p >= n - 1.0) return score;   // Keras warns and falls back
    return 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0);
}

double R2Score::result() const {
    if (columns_ == 0) return 0.0;
    const std::vector<double> scores = result_per_class();
    if (!options_.class_aggregation) {
        if (columns_ > 1)
            detail::throw_per_class(*this, "class_aggregation", columns_,
                                    "\"uniform_average\" or \"variance_weighted_average\"");
        return adjust(scores[0]);
    }
    if (*options_.class_aggregation == "uniform_average") {
        double sum = 0.0;
        for (double s : scores) sum += s;
        return adjust(sum / static_cast<double>(columns_));
    }
    double weighted = 0.0, total = 0.0;   // "variance_weighted_average"
    for (std::size_t c = 0; c < columns_; ++c) {
        const double variance = squared_sum_[c] - sum_[c] * (sum_[c] / count_[c]);
        weighted += variance * scores[c];
        total += variance;
    }
    return adjust(weighted / total);
}

nlohmann::json R2Score::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["class_aggregation"] =
        options_.class_aggregation ? nlohmann::json(*options_.class_aggregation) : nlohmann::json(nullptr);
    config["num_regressors"] = options_.num_regressors;
    return config;
}

}  // namespace kx::metrics
