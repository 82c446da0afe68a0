// kx::Model: a layer that can be compiled and trained. kx::Sequential is the everyday one.
//
//   model.compile({.optimizer = kx::optimizers::Adam(1e-3),
//                  .loss = "sparse_categorical_crossentropy",
//                  .metrics = {"accuracy"}});
//   kx::History h = model.fit(x, y, {.epochs = 5, .batch_size = 128, .validation_split = 0.1});
//   kx::Logs test = model.evaluate(x_test, y_test);       // {"loss": ..., "accuracy": ...}
//   kx::Tensor probabilities = model.predict(x_test);
//
// Options mirror Keras' keyword arguments; their fields are in a fixed order, so designated
// initializers must follow it (C++ requires that). Labels are float tensors: class ids for the
// sparse losses, one-hot rows or targets otherwise.
#pragma once

#include <kerasxx/callbacks/callback.hpp>
#include <kerasxx/callbacks/history.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/losses.hpp>
#include <kerasxx/metrics.hpp>
#include <kerasxx/optimizers.hpp>

#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kx {

// A metric given to compile(): a Keras identifier ("accuracy", "mae", ...) or an object.
// Identifiers are resolved against the loss on the first batch, as Keras does for "accuracy".
struct MetricSpec {
    MetricSpec(const char* identifier) : identifier(identifier) {}                 // NOLINT: implicit by design
    MetricSpec(std::string identifier) : identifier(std::move(identifier)) {}      // NOLINT
    template <class T>
        requires std::derived_from<std::remove_cvref_t<T>, Metric>
    MetricSpec(T&& metric) : metric(Handle<Metric>(std::forward<T>(metric))) {}    // NOLINT
    template <std::derived_from<Metric> T>
    MetricSpec(std::shared_ptr<T> metric) : metric(std::move(metric)) {}           // NOLINT

    std::string identifier;
    std::shared_ptr<Metric> metric;
};

struct CompileOptions {
    Handle<Optimizer> optimizer = "rmsprop";
    Handle<Loss> loss = {};
    std::vector<MetricSpec> metrics = {};
};

struct ValidationData {
    Tensor x = {}, y = {}, sample_weight = {};
};

struct FitOptions {
    int epochs = 1;
    int batch_size = 32;
    int verbose = 1;                        // 0 silent, 1 progress bar, 2 one line per epoch
    float validation_split = 0.0f;          // the last fraction of x/y, taken before shuffling
    ValidationData validation_data = {};       // used instead of validation_split when x is defined
    int validation_freq = 1;                // validate every N epochs
    bool shuffle = true;
    std::map<int, float> class_weight = {};    // class id -> loss weight
    Tensor sample_weight = {};              // (samples,)
    int initial_epoch = 0;
    int steps_per_epoch = 0;                // 0: one pass over the data
    int validation_batch_size = 0;          // 0: batch_size
    std::vector<CallbackHandle> callbacks = {};
};

struct EvaluateOptions {
    int batch_size = 32;
    int verbose = 1;
    Tensor sample_weight = {};
    int steps = 0;                          // 0: all the data
    std::vector<CallbackHandle> callbacks = {};
};

struct PredictOptions {
    int batch_size = 32;
    int verbose = 0;
    int steps = 0;
    std::vector<CallbackHandle> callbacks = {};
};

class Model : public Layer {
public:
    explicit Model(std::string name = {});
    Model(Model&&) noexcept;
    ~Model() override;

    void compile(CompileOptions options);
    bool compiled() const { return compiled_ != nullptr; }

    History fit(const Tensor& x, const Tensor& y, FitOptions options = {});
    Logs evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options = {});
    Tensor predict(const Tensor& x, PredictOptions options = {});

    Logs train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = Tensor());
    Logs test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = Tensor());
    Tensor predict_on_batch(const Tensor& x);

    // One optimisation step on one batch, returning the running logs. Override for custom training,
    // as in Keras; use compiled_loss(), optimizer() and update_metrics().
    virtual Logs train_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight);
    virtual Logs test_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight);
    virtual Tensor predict_step(const Tensor& x);

    // The layers, in order. Models are containers: their weights are their layers' weights.
    virtual std::vector<std::shared_ptr<Layer>> layers() const = 0;
    std::shared_ptr<Layer> get_layer(const std::string& name) const;
    std::shared_ptr<Layer> get_layer(std::size_t index) const;
    std::vector<Variable> weights() const override;
    void set_trainable(bool trainable) override;

    // Keras' table: layer (type), output shape, param #, then the totals.
    void summary(std::ostream& out) const;
    void summary() const;

    Optimizer& optimizer() const;
    // The compiled loss on a batch (scalar, recorded for autograd), including sample weights.
    Tensor compiled_loss(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) const;
    // Updates the loss tracker with `loss` and every compiled metric; returns the running logs.
    Logs update_metrics(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight, double loss);
    void reset_metrics();
    Logs metrics_result() const;

    bool stop_training = false;   // set by a callback to end fit after the current batch

private:
    struct Compiled;
    std::unique_ptr<Compiled> compiled_;
    Compiled& require_compiled(const char* caller) const;
};

}  // namespace kx
