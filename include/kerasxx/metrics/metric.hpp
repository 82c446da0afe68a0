// kx::Metric: the interface every metric implements, and Keras' serialized form of metrics.
//
//   std::shared_ptr<kx::Metric> auc = kx::Metric::get("auc");
//   auc->update_state(labels, probabilities);          // once per batch
//   double so_far = auc->result();
//   nlohmann::json saved = kx::metrics::serialize(*auc);   // {"class_name": "AUC", "config": {...}}
//   auto again = kx::metrics::deserialize(saved);          // same config, same results
//
// result() is one number. Where Keras returns a vector (several thresholds, average=None,
// class_aggregation=None) the metric says so in its header and offers result_per_class().
#pragma once

#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>

namespace kx {

class Metric {
public:
    virtual ~Metric() = default;
    virtual void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) = 0;
    virtual double result() const = 0;
    virtual void reset_state() = 0;
    virtual std::string class_name() const = 0;
    virtual std::string name() const = 0;                  // the key in logs: "accuracy", "mae"
    // {"name", "dtype"} plus the constructor's arguments, as Keras writes them.
    virtual nlohmann::json get_config() const;
    // From a Keras identifier ("mae", "mean_absolute_error", "MeanAbsoluteError", "precision",
    // "auc", "f1_score", "r2_score", ...), named after the identifier as Keras' compile() names it;
    // unknown names are a kx::Error listing the valid ones. "accuracy" here is exact-match Accuracy;
    // compile() goes through metrics::resolve(), which picks the accuracy that fits the loss and
    // shapes. MeanIoU needs num_classes: build it, or deserialize its config.
    static std::shared_ptr<Metric> get(const std::string& identifier);
};

namespace metrics {

// Keras' serialized form: {"module": "keras.metrics", "class_name", "config", "registered_name": null}.
nlohmann::json serialize(const Metric& metric);
// The inverse of serialize, for every kerasxx metric (only "class_name" and "config" are read; a
// string is an identifier, as in Metric::get). Missing config keys take Keras' defaults; unknown
// class names, bad values and features kerasxx leaves out (several thresholds) are a kx::Error.
std::shared_ptr<Metric> deserialize(const nlohmann::json& serialized);

}  // namespace metrics
}  // namespace kx
