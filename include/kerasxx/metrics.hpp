// Metrics: stateful objects that accumulate over batches (update_state / result / reset_state).
//
//   model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
//
//   kx::metrics::SparseCategoricalAccuracy accuracy;
//   accuracy.update_state(labels, probabilities);     // (B,) and (B, C); once per batch
//   double so_far = accuracy.result();               // over every sample seen since reset_state()
//
// As in Keras, each metric computes one value per sample (averaged over the sample's elements),
// weights it by sample_weight (one weight per sample, default 1) and reports the weighted mean,
// accumulated in double. Metrics read tensors directly: they never record autograd history.
// Rank-1 inputs (B,) hold one value per sample; (B,) against (B, 1) compares element by element.
//
// This header has the mean-based metrics; it also brings in the other families, so one include
// gives them all: kerasxx/metrics/metric.hpp (the Metric interface, serialize/deserialize),
// confusion_metrics.hpp (Precision, Recall, AUC), f_score_metrics.hpp (F1Score, FBetaScore),
// iou_metrics.hpp (MeanIoU) and r2_score.hpp (R2Score).
#pragma once

#include <kerasxx/handle.hpp>
#include <kerasxx/metrics/metric.hpp>
#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <utility>

namespace kx {

class Loss;

namespace metrics {

struct MeanOptions {
    std::string name = "mean";
};
// The weighted mean of the values it is given. The trainer reports the running loss with it.
class Mean : public Metric {
public:
    explicit Mean(MeanOptions options = {}) : name_(std::move(options.name)) {}
    void update(double value, double weight = 1.0);
    // Keras' Mean.update_state(values, sample_weight): each sample's values (B, ...) averaged to
    // one, then weighted by sample_weight (B,).
    void update(const Tensor& values, const Tensor& sample_weight = Tensor());
    // A Mean has no (y_true, y_pred): this throws kx::Error; use update().
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    double result() const override;   // 0 before the first update, like Keras
    void reset_state() override;
    std::string class_name() const override { return "Mean"; }
    std::string name() const override { return name_; }

private:
    std::string name_;
    double total_ = 0.0;
    double count_ = 0.0;
};

struct AccuracyOptions {
    std::string name = "accuracy";
};
// How often y_pred equals y_true exactly.
class Accuracy : public Mean {
public:
    explicit Accuracy(AccuracyOptions options = {}) : Mean({std::move(options.name)}) {}
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "Accuracy"; }
};

struct BinaryAccuracyOptions {
    std::string name = "binary_accuracy";
    float threshold = 0.5f;   // y_pred > threshold counts as 1
};
// How often (y_pred > threshold) equals y_true, for 0/1 labels.
class BinaryAccuracy : public Mean {
public:
    explicit BinaryAccuracy(BinaryAccuracyOptions options = {})
        : Mean({std::move(options.name)}), threshold_(options.threshold) {}
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "BinaryAccuracy"; }
    nlohmann::json get_config() const override;

private:
    float threshold_;
};

struct CategoricalAccuracyOptions {
    std::string name = "categorical_accuracy";
};
// How often argmax(y_pred) equals argmax(y_true), for one-hot y_true of y_pred's shape.
class CategoricalAccuracy : public Mean {
public:
    explicit CategoricalAccuracy(CategoricalAccuracyOptions options = {}) : Mean({std::move(options.name)}) {}
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "CategoricalAccuracy"; }
};

struct SparseCategoricalAccuracyOptions {
    std::string name = "sparse_categorical_accuracy";
};
// How often argmax(y_pred) equals the class id y_true; y_true (B,) or (B, 1) for y_pred (B, C).
class SparseCategoricalAccuracy : public Mean {
public:
    explicit SparseCategoricalAccuracy(SparseCategoricalAccuracyOptions options = {})
        : Mean({std::move(options.name)}) {}
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "SparseCategoricalAccuracy"; }
};

struct TopKCategoricalAccuracyOptions {
    int k = 5;
    std::string name = "top_k_categorical_accuracy";
};
// How often argmax(y_true) is among the k highest scores of y_pred. Ties at the k-th score count
// as in the top k (TensorFlow's in_top_k).
class TopKCategoricalAccuracy : public Mean {
public:
    explicit TopKCategoricalAccuracy(TopKCategoricalAccuracyOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "TopKCategoricalAccuracy"; }
    nlohmann::json get_config() const override;

private:
    int k_;
};

struct SparseTopKCategoricalAccuracyOptions {
    int k = 5;
    std::string name = "sparse_top_k_categorical_accuracy";
    // y_pred (B, N) holds class ids sorted by decreasing score (N >= k) instead of scores.
    bool from_sorted_ids = false;
};
// How often the class id y_true is among the k highest scores of y_pred (or, with
// from_sorted_ids, among the first k ids of y_pred).
class SparseTopKCategoricalAccuracy : public Mean {
public:
    explicit SparseTopKCategoricalAccuracy(SparseTopKCategoricalAccuracyOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "SparseTopKCategoricalAccuracy"; }
    nlohmann::json get_config() const override;

private:
    int k_;
    bool from_sorted_ids_;
};

struct MeanSquaredErrorOptions {
    std::string name = "mean_squared_error";
};
class MeanSquaredError : public Mean {
public:
    explicit MeanSquaredError(MeanSquaredErrorOptions options = {}) : Mean({std::move(options.name)}) {}
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "MeanSquaredError"; }
};

struct MeanAbsoluteErrorOptions {
    std::string name = "mean_absolute_error";
};
class MeanAbsoluteError : public Mean {
public:
    explicit MeanAbsoluteError(MeanAbsoluteErrorOptions options = {}) : Mean({std::move(options.name)}) {}
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    std::string class_name() const override { return "MeanAbsoluteError"; }
};

struct RootMeanSquaredErrorOptions {
    std::string name = "root_mean_squared_error";
};
// sqrt of the weighted mean squared error over everything seen (not a mean of per-batch roots).
class RootMeanSquaredError : public Mean {
public:
    explicit RootMeanSquaredError(RootMeanSquaredErrorOptions options = {}) : Mean({std::move(options.name)}) {}
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    double result() const override;
    std::string class_name() const override { return "RootMeanSquaredError"; }
};

// The metric that a string in compile({.metrics = {...}}) stands for, named after the string as
// Keras logs it. "accuracy" and "acc" pick, in this order: binary_accuracy for a
// BinaryCrossentropy loss, sparse_categorical_accuracy for SparseCategoricalCrossentropy,
// categorical_accuracy for CategoricalCrossentropy; for other losses, by shapes as Keras 3 does:
// binary when y_pred's last dimension is 1 (or y_pred has rank 1), sparse when y_true has a lower
// rank than y_pred or a last dimension of 1 against y_pred's > 1, categorical otherwise. Any
// other identifier goes to Metric::get().
std::shared_ptr<Metric> resolve(const std::string& identifier, const Loss& loss, const Shape& y_true_shape,
                                const Shape& y_pred_shape);

}  // namespace metrics
}  // namespace kx

#include <kerasxx/metrics/confusion_metrics.hpp>
#include <kerasxx/metrics/f_score_metrics.hpp>
#include <kerasxx/metrics/iou_metrics.hpp>
#include <kerasxx/metrics/r2_score.hpp>
