#include "metrics/inputs.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace kx::metrics {

namespace {

constexpr double epsilon = 1e-7;   // Keras' backend.epsilon()

nlohmann::json optional_json(const auto& value) { return value ? nlohmann::json(*value) : nlohmann::json(nullptr); }

}  // namespace

FBetaScore::FBetaScore(FBetaScoreOptions options) : FBetaScore(std::move(options), "FBetaScore") {}

FBetaScore::FBetaScore(FBetaScoreOptions options, const char* class_name) : options_(std::move(options)) {
    const std::string who = class_name;
    if (options_.average && *options_.average != "micro" && *options_.average != "macro" &&
        *options_.average != "weighted")
        throw Error(who + ": invalid average argument value. Expected one of: None, 'micro', 'macro', 'weighted'. "
                          "Received: average=" + *options_.average);
    if (!(options_.beta > 0.0))
        throw Error(who + ": invalid beta argument value. It should be > 0. Received: beta=" + std::to_string(options_.beta));
    if (options_.threshold && !(*options_.threshold > 0.0 && *options_.threshold <= 1.0))
        throw Error(who + ": invalid threshold argument value. It should verify 0 < threshold <= 1. Received: threshold=" +
                    std::to_string(*options_.threshold));
}

void FBetaScore::reset_state() {
    for (auto* v : {&true_positives_, &false_positives_, &false_negatives_, &support_}) std::fill(v->begin(), v->end(), 0.0);
}

void FBetaScore::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    if (y_true.rank() != 2 || y_pred.rank() != 2 || y_true.shape() != y_pred.shape())
        throw Error(detail::describe(*this) + ": expected 2D inputs of the same shape (batch_size, output_dim), got y_true " +
                    to_string(y_true.shape()) + " and y_pred " + to_string(y_pred.shape()));
    const std::size_t batch = y_pred.dim(0), classes = y_pred.dim(1);
    if (classes_ == 0) {
        classes_ = classes;
        const std::size_t slots = options_.average == "micro" ? 1 : classes;
        for (auto* v : {&true_positives_, &false_positives_, &false_negatives_, &support_}) v->assign(slots, 0.0);
    } else if (classes != classes_) {
        throw Error(detail::describe(*this) + ": expected " + std::to_string(classes_) +
                    " classes as in earlier batches, got y_pred " + to_string(y_pred.shape()));
    }
    const std::vector<double> weights = detail::sample_weights(*this, sample_weight, batch);
    const bool micro = options_.average == "micro";
    const float* t = y_true.data();
    const float* p = y_pred.data();
    for (std::size_t b = 0; b < batch; ++b) {
        const float* row = p + b * classes;
        // Without a threshold the row's maximum is positive, unless it is 0 ([0, 0, 0] stays negative).
        const float row_max = *std::max_element(row, row + classes);
        const double w = weights.empty() ? 1.0 : weights[b];
        for (std::size_t c = 0; c < classes; ++c) {
            const double predicted = options_.threshold ? (row[c] > static_cast<float>(*options_.threshold) ? 1.0 : 0.0)
                                                        : (row[c] >= row_max && std::abs(row[c]) > 1e-9f ? 1.0 : 0.0);
            const double label = t[b * classes + c];
            const std::size_t slot = micro ? 0 : c;
            true_positives_[slot] += w * predicted * label;
            false_positives_[slot] += w * predicted * (1.0 - label);
            false_negatives_[slot] += w * (1.0 - predicted) * label;
            support_[slot] += w * label;
        }
    }
}

std::vector<double> FBetaScore::result_per_class() const {
    const double b2 = options_.beta * options_.beta;
    std::vector<double> scores(true_positives_.size());
    for (std::size_t c = 0; c < scores.size(); ++c) {
        const double precision = true_positives_[c] / (true_positives_[c] + false_positives_[c] + epsilon);
        const double recall = true_positives_[c] / (true_positives_[c] + false_negatives_[c] + epsilon);
        scores[c] = (1.0 + b2) * (precision * recall) / (b2 * precision + recall + epsilon);
    }
    return scores;
}

double FBetaScore::result() const {
    const std::vector<double> scores = result_per_class();
    if (!options_.average) {
        if (classes_ > 1) detail::throw_per_class(*this, "average", classes_, "\"micro\", \"macro\" or \"weighted\"");
        return scores.empty() ? 0.0 : scores[0];
    }
    if (scores.empty()) return 0.0;
    if (*options_.average == "weighted") {
        double total = 0.0, weighted = 0.0;
        for (double s : support_) total += s;
        for (std::size_t c = 0; c < scores.size(); ++c) weighted += scores[c] * support_[c] / (total + epsilon);
        return weighted;
    }
    double sum = 0.0;   // "macro", or the one pooled "micro" score
    for (double s : scores) sum += s;
    return sum / static_cast<double>(scores.size());
}

nlohmann::json FBetaScore::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["average"] = optional_json(options_.average);
    config["beta"] = options_.beta;
    config["threshold"] = optional_json(options_.threshold);
    return config;
}

F1Score::F1Score(F1ScoreOptions options)
    : FBetaScore({.average = std::move(options.average),
                  .beta = 1.0,
                  .threshold = options.threshold,
                  .name = std::move(options.name)},
                 "F1Score") {}

nlohmann::json F1Score::get_config() const {
    nlohmann::json config = FBetaScore::get_config();
    config.erase("beta");
    return config;
}

}  // namespace kx::metrics
