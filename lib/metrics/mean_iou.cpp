#include "metrics/inputs.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace kx::metrics {

namespace {

constexpr double epsilon = 1e-7;   // Keras' backend.epsilon()

// Class ids: the values themselves, or the argmax over the last axis (the first maximum).
std::vector<double> class_ids(const Tensor& values, bool sparse) {
    const float* v = values.data();
    if (sparse) return std::vector<double>(v, v + values.size());
    const std::size_t classes = values.rank() == 0 ? 1 : values.shape().back();
    std::vector<double> ids;
    if (classes == 0) return ids;
    ids.reserve(values.size() / classes);
    for (std::size_t start = 0; start < values.size(); start += classes)
        ids.push_back(static_cast<double>(std::max_element(v + start, v + start + classes) - (v + start)));
    return ids;
}

}  // namespace

MeanIoU::MeanIoU(int num_classes, MeanIoUOptions options) : num_classes_(num_classes), options_(std::move(options)) {
    if (num_classes_ < 1)
        throw Error("MeanIoU: expected num_classes >= 1, got num_classes=" + std::to_string(num_classes_));
    if (options_.axis != -1)
        throw Error("MeanIoU: only axis=-1 (classes on the last axis) is supported, got axis=" +
                    std::to_string(options_.axis));
    reset_state();
}

void MeanIoU::reset_state() {
    total_cm_.assign(static_cast<std::size_t>(num_classes_) * static_cast<std::size_t>(num_classes_), 0.0);
}

void MeanIoU::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
    const std::vector<double> truth = class_ids(y_true, options_.sparse_y_true);
    const std::vector<double> predicted = class_ids(y_pred, options_.sparse_y_pred);
    if (truth.size() != predicted.size())
        throw Error(detail::describe(*this) + ": y_true and y_pred must hold as many class ids, got y_true " +
                    to_string(y_true.shape()) + (options_.sparse_y_true ? "" : " (argmax over the last axis)") +
                    " and y_pred " + to_string(y_pred.shape()) +
                    (options_.sparse_y_pred ? "" : " (argmax over the last axis)"));
    const std::size_t n = truth.size();
    // Weights: a scalar, one per element, or one per sample spread over the sample's elements.
    std::vector<double> weights(n, 1.0);
    if (sample_weight.defined()) {
        const float* w = sample_weight.data();
        const std::size_t count = sample_weight.size();
        const std::size_t batch = y_true.rank() == 0 ? 1 : y_true.dim(0);
        if (count == 1) std::fill(weights.begin(), weights.end(), static_cast<double>(w[0]));
        else if (count == n) std::copy(w, w + n, weights.begin());
        else if (count == batch && batch > 0 && n % batch == 0)
            for (std::size_t i = 0; i < n; ++i) weights[i] = w[i / (n / batch)];
        else
            throw Error(detail::describe(*this) + ": sample_weight of shape " + to_string(sample_weight.shape()) +
                        " does not fit " + std::to_string(n) + " class ids in " + std::to_string(batch) +
                        " samples; expected a scalar, one weight per sample or one per class id");
    }
    const auto classes = static_cast<std::size_t>(num_classes_);
    for (std::size_t i = 0; i < n; ++i) {
        if (options_.ignore_class && truth[i] == static_cast<double>(*options_.ignore_class)) continue;
        for (double id : {truth[i], predicted[i]})
            if (!(id >= 0.0 && id < static_cast<double>(num_classes_)))
                throw Error(detail::describe(*this) + ": class id " + std::to_string(id) + " is out of range [0, " +
                            std::to_string(num_classes_) + "); check num_classes and the sparse_y_true/sparse_y_pred "
                            "settings");
        total_cm_[static_cast<std::size_t>(truth[i]) * classes + static_cast<std::size_t>(predicted[i])] += weights[i];
    }
}

double MeanIoU::result() const {
    const auto classes = static_cast<std::size_t>(num_classes_);
    double sum = 0.0, valid = 0.0;
    for (std::size_t c = 0; c < classes; ++c) {
        double row = 0.0, column = 0.0;
        for (std::size_t k = 0; k < classes; ++k) {
            row += total_cm_[c * classes + k];
            column += total_cm_[k * classes + c];
        }
        const double tp = total_cm_[c * classes + c];
        const double denominator = row + column - tp;
        if (denominator > 1e-9) valid += 1.0;   // a class never seen nor predicted does not count
        sum += tp / (denominator + epsilon);
    }
    return sum / (valid + epsilon);
}

nlohmann::json MeanIoU::get_config() const {
    nlohmann::json config = Metric::get_config();
    config["num_classes"] = num_classes_;
    config["ignore_class"] = options_.ignore_class ? nlohmann::json(*options_.ignore_class) : nlohmann::json(nullptr);
    config["sparse_y_true"] = options_.sparse_y_true;
    config["sparse_y_pred"] = options_.sparse_y_pred;
    config["axis"] = options_.axis;
    return config;
}

}  // namespace kx::metrics
