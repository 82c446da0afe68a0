// Losses, by object or by Keras name.
//
//   model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
//   model.compile({.optimizer = "adam", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
//
//   kx::losses::BinaryCrossentropy bce({.label_smoothing = 0.1f});
//   kx::Tensor loss = bce(y_true, y_pred, sample_weight);   // scalar, differentiable w.r.t. y_pred
//
// Keras 3 semantics: each loss reduces its elementwise values over the last axis (mean, or sum for
// the crossentropies and KL divergence), the base class weights the per-sample losses by
// sample_weight and divides their sum by the batch size ("sum_over_batch_size"). Like Keras,
// y_true of shape (B,) is compared with y_pred of shape (B, 1) (and the other way round); other
// shape mismatches are a kx::Error. Probabilities are clipped to [1e-7, 1 - 1e-7] before a log.
//
// Where we differ from Keras, and why:
// - Rank-1 inputs (B,) hold one value per sample. Keras averages them into one scalar first,
//   which makes a per-sample sample_weight act on that scalar instead of on each sample.
// - Only the "sum_over_batch_size" reduction; Loss::call() gives the per-sample values for others.
#pragma once

#include <kerasxx/handle.hpp>
#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace kx {

class Loss {
public:
    virtual ~Loss() = default;
    // Per-sample losses, shape (batch,): the loss averaged over every axis but the first.
    virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;
    // The reduced loss (scalar): call() weighted by sample_weight (batch,) when given, then summed
    // and divided by the batch size (Keras' "sum_over_batch_size").
    Tensor operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) const;
    virtual std::string class_name() const = 0;
    virtual std::string name() const = 0;                  // "sparse_categorical_crossentropy"
    // {"name", "reduction"} plus the constructor's arguments, as Keras writes them.
    virtual nlohmann::json get_config() const;
    // From a Keras identifier: "mse", "mean_squared_error", "MeanSquaredError", "bce", ...; unknown
    // names are a kx::Error listing the valid ones.
    static std::shared_ptr<Loss> get(const std::string& identifier);
};

namespace losses {

inline constexpr float epsilon = 1e-7f;   // Keras' backend.epsilon(): the clip applied before logs

struct MeanSquaredErrorOptions {
    std::string name = "mean_squared_error";
};
// mean((y_true - y_pred)^2) over the last axis.
class MeanSquaredError : public Loss {
public:
    explicit MeanSquaredError(MeanSquaredErrorOptions options = {}) : options_(std::move(options)) {}
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "MeanSquaredError"; }
    std::string name() const override { return options_.name; }

private:
    MeanSquaredErrorOptions options_;
};

struct MeanAbsoluteErrorOptions {
    std::string name = "mean_absolute_error";
};
// mean(|y_true - y_pred|) over the last axis.
class MeanAbsoluteError : public Loss {
public:
    explicit MeanAbsoluteError(MeanAbsoluteErrorOptions options = {}) : options_(std::move(options)) {}
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "MeanAbsoluteError"; }
    std::string name() const override { return options_.name; }

private:
    MeanAbsoluteErrorOptions options_;
};

struct HuberOptions {
    float delta = 1.0f;   // where the loss turns from quadratic to linear; > 0
    std::string name = "huber_loss";
};
// mean over the last axis of 0.5 e^2 where |e| <= delta, delta |e| - 0.5 delta^2 elsewhere;
// e = y_pred - y_true.
class Huber : public Loss {
public:
    explicit Huber(HuberOptions options = {});
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "Huber"; }
    std::string name() const override { return options_.name; }
    nlohmann::json get_config() const override;

private:
    HuberOptions options_;
};

struct LogCoshOptions {
    std::string name = "log_cosh";
};
// mean(log(cosh(y_pred - y_true))) over the last axis, computed without overflow.
class LogCosh : public Loss {
public:
    explicit LogCosh(LogCoshOptions options = {}) : options_(std::move(options)) {}
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "LogCosh"; }
    std::string name() const override { return options_.name; }

private:
    LogCoshOptions options_;
};

struct BinaryCrossentropyOptions {
    bool from_logits = false;       // y_pred holds logits rather than probabilities
    float label_smoothing = 0.0f;   // in [0, 1]: y_true becomes y_true (1 - s) + s / 2
    int axis = -1;                  // the axis the loss is averaged over
    std::string name = "binary_crossentropy";
};
// -(t log p + (1 - t) log(1 - p)), averaged over `axis`.
class BinaryCrossentropy : public Loss {
public:
    explicit BinaryCrossentropy(BinaryCrossentropyOptions options = {});
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "BinaryCrossentropy"; }
    std::string name() const override { return options_.name; }
    nlohmann::json get_config() const override;

private:
    BinaryCrossentropyOptions options_;
};

struct CategoricalCrossentropyOptions {
    bool from_logits = false;       // y_pred holds logits; otherwise probabilities, renormalised to sum 1
    float label_smoothing = 0.0f;   // in [0, 1]: y_true becomes y_true (1 - s) + s / classes
    int axis = -1;                  // the class axis
    std::string name = "categorical_crossentropy";
};
// -sum(y_true log y_pred) over the class axis; y_true is one-hot (or a distribution).
class CategoricalCrossentropy : public Loss {
public:
    explicit CategoricalCrossentropy(CategoricalCrossentropyOptions options = {});
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "CategoricalCrossentropy"; }
    std::string name() const override { return options_.name; }
    nlohmann::json get_config() const override;

private:
    CategoricalCrossentropyOptions options_;
};

struct SparseCategoricalCrossentropyOptions {
    bool from_logits = false;
    // Labels equal to this class id add nothing; the loss is averaged over the other labels only.
    std::optional<int> ignore_class = std::nullopt;
    std::string name = "sparse_categorical_crossentropy";
};
// -log(y_pred[y_true]) with y_true integer class ids (stored as floats), shape y_pred.shape[:-1]
// (or with a trailing 1). With from_logits it is one fused softmax-crossentropy kernel.
class SparseCategoricalCrossentropy : public Loss {
public:
    explicit SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions options = {})
        : options_(std::move(options)) {}
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "SparseCategoricalCrossentropy"; }
    std::string name() const override { return options_.name; }
    nlohmann::json get_config() const override;

private:
    SparseCategoricalCrossentropyOptions options_;
};

struct KLDivergenceOptions {
    std::string name = "kl_divergence";
};
// sum(t log(t / p)) over the last axis, with t and p clipped to [1e-7, 1].
class KLDivergence : public Loss {
public:
    explicit KLDivergence(KLDivergenceOptions options = {}) : options_(std::move(options)) {}
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "KLDivergence"; }
    std::string name() const override { return options_.name; }

private:
    KLDivergenceOptions options_;
};

struct HingeOptions {
    std::string name = "hinge";
};
// mean(max(1 - y_true y_pred, 0)) over the last axis. y_true holds -1/1; when every label is 0 or
// 1 they are mapped to -1/1 first, as Keras does.
class Hinge : public Loss {
public:
    explicit Hinge(HingeOptions options = {}) : options_(std::move(options)) {}
    Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
    std::string class_name() const override { return "Hinge"; }
    std::string name() const override { return options_.name; }

private:
    HingeOptions options_;
};

// Keras' serialized form, {"class_name": "Huber", "config": {...}}, and back. deserialize()
// also accepts a string identifier, like Loss::get().
nlohmann::json serialize(const Loss& loss);
std::shared_ptr<Loss> deserialize(const nlohmann::json& serialized);

}  // namespace losses
}  // namespace kx
