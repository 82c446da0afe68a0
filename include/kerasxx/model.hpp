// kx::Model: a layer that can be compiled and trained: a functional graph of layer calls, a
// kx::Sequential stack, or a subclass that overrides call().
//
//   model.compile({.optimizer = kx::optimizers::Adam(1e-3),
//                  .loss = "sparse_categorical_crossentropy",
//                  .metrics = {"accuracy"}});
//   kx::History h = model.fit(x, y, {.epochs = 5, .batch_size = 128, .validation_split = 0.1});
//   kx::Logs test = model.evaluate(x_test, y_test);       // {"loss": ..., "accuracy": ...}
//   kx::Tensor probabilities = model.predict(x_test);
//
// A functional model with two outputs; data, losses, metrics and loss weights go by output name
// (or by position), and the logs are named like Keras' (loss, class_loss, score_loss, class_accuracy):
//
//   auto in = kx::Input({784}, "pixels");
//   auto h = kx::layers::Dense(64, "relu")(in);
//   kx::Model model({in}, {kx::layers::Dense(10, "softmax", "class")(h), kx::layers::Dense(1, "linear", "score")(h)});
//   model.compile({.optimizer = "adam",
//                  .loss = {{"class", "sparse_categorical_crossentropy"}, {"score", "mse"}},
//                  .metrics = {{"class", {"accuracy"}}},
//                  .loss_weights = {{"class", 1.0}, {"score", 0.2}}});
//   model.fit(x, {{"class", labels}, {"score", scores}}, {.epochs = 5});
//   kx::Tensors both = model.predict_outputs(x);
//
// A kx::data::Dataset feeds fit/evaluate/predict as a tf.data.Dataset feeds Keras: it yields batches
// (batch it yourself; batch_size must then stay unset) of (x, y) or (x, y, sample_weight) tuples, x
// and y each a tensor, a tuple by input/output position or a dict by name; predict takes x or (x,):
//
//   auto train = kx::data::Dataset::from_tensor_slices({x, labels})
//                    .shuffle(60000, {.seed = 1}).batch(128)
//                    .map([](const kx::data::Element& b) {
//                             return kx::data::Element::tuple({b[0].tensor() / 255.0f, b[1]});
//                         }, 2)
//                    .prefetch(2);
//   model.fit(train, {.epochs = 5, .validation_data = val_dataset});
//   model.fit(train.repeat(), {.epochs = 5, .steps_per_epoch = 100});   // one iterator for all epochs
//   model.evaluate(test_dataset);
//
// Each epoch is one iteration of the dataset (a new begin()), unless steps_per_epoch is given: then
// the epochs continue one iterator, as Keras does, and an iterator that runs out ends training after
// that epoch (with a warning). An infinite dataset needs steps_per_epoch (validation_steps for
// validation_data, steps for evaluate/predict). Options that slice or weight arrays (batch_size,
// validation_split, sample_weight, validation_batch_size) are errors with a Dataset, as in Keras;
// shuffle is ignored (shuffle the dataset). A fit resumed by BackupAndRestore in the middle of an
// epoch starts the dataset's iterations again and skips the batches already trained on: exact for a
// deterministic pipeline rebuilt the same way (seeded shuffles), since the skipped iterations replay
// every reshuffle.
//
// Options mirror Keras' keyword arguments; their fields are in a fixed order, so designated
// initializers must follow it (C++ requires that). Labels are float tensors: class ids for the
// sparse losses, one-hot rows or targets otherwise.
#pragma once

#include <kerasxx/callbacks/callback.hpp>
#include <kerasxx/callbacks/history.hpp>
#include <kerasxx/data/dataset.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/losses.hpp>
#include <kerasxx/metrics.hpp>
#include <kerasxx/optimizers.hpp>

#include <initializer_list>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kx {

namespace detail {
struct FitState;
class BatchSource;
}  // namespace detail

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

// A compile() argument given per output, as Keras takes it: one value for every output, a list by
// output position, or a map by output name.
template <class T>
struct PerOutput {
    PerOutput() = default;
    template <class U>
        requires std::constructible_from<T, U&&>
    PerOutput(U&& every_output) : every(T(std::forward<U>(every_output))) {}                      // NOLINT
    PerOutput(std::initializer_list<T> by_position) : by_position(by_position) {}                  // NOLINT
    PerOutput(std::vector<T> by_position) : by_position(std::move(by_position)) {}                 // NOLINT
    PerOutput(std::initializer_list<std::pair<const std::string, T>> by_name) : by_name(by_name) {}   // NOLINT
    PerOutput(std::map<std::string, T> by_name) : by_name(std::move(by_name)) {}                   // NOLINT

    bool empty() const { return !every && by_position.empty() && by_name.empty(); }

    std::optional<T> every;
    std::vector<T> by_position;
    std::map<std::string, T> by_name;
};

// compile()'s metrics: one list for every output ({"accuracy"}), lists by output name
// ({{"class", {"accuracy"}}, {"score", {"mae"}}}), or lists by position (a vector of vectors).
struct MetricsPerOutput {
    MetricsPerOutput() = default;
    MetricsPerOutput(std::initializer_list<MetricSpec> every_output) : every(every_output) {}     // NOLINT
    MetricsPerOutput(std::vector<MetricSpec> every_output) : every(std::move(every_output)) {}    // NOLINT
    MetricsPerOutput(std::initializer_list<std::pair<const std::string, std::vector<MetricSpec>>> by_name)   // NOLINT
        : by_name(by_name) {}
    MetricsPerOutput(std::map<std::string, std::vector<MetricSpec>> by_name) : by_name(std::move(by_name)) {}   // NOLINT
    MetricsPerOutput(std::vector<std::vector<MetricSpec>> by_position) : by_position(std::move(by_position)) {}   // NOLINT

    std::vector<MetricSpec> every;
    std::vector<std::vector<MetricSpec>> by_position;
    std::map<std::string, std::vector<MetricSpec>> by_name;
};

struct CompileOptions {
    Handle<Optimizer> optimizer = "rmsprop";
    PerOutput<Handle<Loss>> loss = {};
    MetricsPerOutput metrics = {};
    PerOutput<double> loss_weights = {};     // the total loss is the weighted sum of the outputs' losses
};

// fit/evaluate/predict's x and y: one array, a list by input/output position, or a map by
// input/output name.
struct Arrays {
    Arrays() = default;
    Arrays(Tensor array) : list{std::move(array)} {}                                     // NOLINT
    Arrays(std::vector<Tensor> by_position) : list(std::move(by_position)) {}             // NOLINT
    Arrays(std::initializer_list<Tensor> by_position) : list(by_position) {}              // NOLINT
    Arrays(std::map<std::string, Tensor> by_name) : named(std::move(by_name)) {}          // NOLINT
    Arrays(std::initializer_list<std::pair<const std::string, Tensor>> by_name) : named(by_name) {}   // NOLINT
    template <detail::ArrayLike E>
    Arrays(const E& array) : list{Tensor(array)} {}                                       // NOLINT

    bool empty() const { return list.empty() && named.empty(); }

    std::vector<Tensor> list;
    std::map<std::string, Tensor> named;
};

// fit's validation_data: arrays ({x, y} or {x, y, sample_weight}) or a Dataset of (x, y[, sample_weight]).
struct ValidationData {
    ValidationData() = default;
    ValidationData(Arrays x, Arrays y, Tensor sample_weight = {})   // NOLINT: implicit, so {x, y} reads like Keras
        : x(std::move(x)), y(std::move(y)), sample_weight(std::move(sample_weight)) {}
    ValidationData(data::Dataset dataset) : dataset(std::move(dataset)) {}   // NOLINT

    bool empty() const { return x.empty() && !dataset; }

    Arrays x = {}, y = {};
    Tensor sample_weight = {};
    std::optional<data::Dataset> dataset = std::nullopt;
};

struct FitOptions {
    int epochs = 1;
    std::optional<int> batch_size = std::nullopt;   // arrays: 32 when unset; a Dataset is batched already
    int verbose = 1;                        // 0 silent, 1 progress bar, 2 one line per epoch
    float validation_split = 0.0f;          // the last fraction of x/y, taken before shuffling
    ValidationData validation_data = {};       // used instead of validation_split when x is given
    int validation_freq = 1;                // validate every N epochs
    bool shuffle = true;
    std::map<int, float> class_weight = {};    // class id -> loss weight (single-output models)
    Tensor sample_weight = {};              // (samples,), applied to every output's loss
    int initial_epoch = 0;
    int steps_per_epoch = 0;                // 0: one pass over the data (a Dataset: see above)
    int validation_batch_size = 0;          // 0: batch_size
    int validation_steps = 0;               // 0: all the validation data; each validation starts it again
    std::vector<CallbackHandle> callbacks = {};
};

struct EvaluateOptions {
    std::optional<int> batch_size = std::nullopt;   // arrays: 32 when unset
    int verbose = 1;
    Tensor sample_weight = {};
    int steps = 0;                          // 0: all the data
    std::vector<CallbackHandle> callbacks = {};
};

struct PredictOptions {
    std::optional<int> batch_size = std::nullopt;   // arrays: 32 when unset
    int verbose = 0;
    int steps = 0;
    std::vector<CallbackHandle> callbacks = {};
};

class Model : public Layer {
public:
    // A model to subclass (override call() or call_multi()).
    explicit Model(std::string name = {});
    // A functional model: the graph of layer calls from `inputs` (each from kx::Input) to `outputs`.
    Model(const SymbolicTensors& inputs, const SymbolicTensors& outputs, std::string name = {});
    Model(const SymbolicTensor& input, const SymbolicTensor& output, std::string name = {});
    Model(const SymbolicTensors& inputs, const SymbolicTensor& output, std::string name = {});
    Model(const SymbolicTensor& input, const SymbolicTensors& outputs, std::string name = {});
    Model(Model&&) noexcept;
    ~Model() override;

    void compile(CompileOptions options);
    bool compiled() const { return compiled_ != nullptr; }
    // compile()'s arguments as Keras' compile config (null when not compiled), and back.
    nlohmann::json get_compile_config() const;
    void compile_from_config(const nlohmann::json& config);

    History fit(const Arrays& x, const Arrays& y, FitOptions options = {});
    Logs evaluate(const Arrays& x, const Arrays& y, EvaluateOptions options = {});
    Tensor predict(const Arrays& x, PredictOptions options = {});            // one-output models
    Tensors predict_outputs(const Arrays& x, PredictOptions options = {});   // every output, in order
    History fit(const data::Dataset& dataset, FitOptions options = {});
    Logs evaluate(const data::Dataset& dataset, EvaluateOptions options = {});
    Tensor predict(const data::Dataset& dataset, PredictOptions options = {});
    Tensors predict_outputs(const data::Dataset& dataset, PredictOptions options = {});

    Logs train_on_batch(const Arrays& x, const Arrays& y, const Tensor& sample_weight = Tensor());
    Logs test_on_batch(const Arrays& x, const Arrays& y, const Tensor& sample_weight = Tensor());
    Tensor predict_on_batch(const Arrays& x);

    // One optimisation step on one batch (inputs and targets in the model's order), returning the
    // running logs. Override for custom training, as in Keras; use compiled_loss(), optimizer()
    // and update_metrics().
    virtual Logs train_step(const Tensors& x, const Tensors& y, const Tensor& sample_weight);
    virtual Logs test_step(const Tensors& x, const Tensors& y, const Tensor& sample_weight);
    virtual Tensors predict_step(const Tensors& x);

    // The functional graph's ends (also a Sequential's, once it knows its input shape).
    const SymbolicTensors& inputs() const;
    const SymbolicTensors& outputs() const;
    std::vector<std::string> input_names() const;    // the Input layers' names
    std::vector<std::string> output_names() const;   // the names of the layers producing the outputs

    // The layers: a functional model's in graph order, Input layers first; a Sequential's in order.
    // Models are containers: their weights and losses are their layers'.
    virtual std::vector<std::shared_ptr<Layer>> layers() const;
    std::shared_ptr<Layer> get_layer(const std::string& name) const;
    std::shared_ptr<Layer> get_layer(std::size_t index) const;
    std::vector<Variable> weights() const override;
    void set_trainable(bool trainable) override;
    Tensors losses() const override;
    void clear_losses() override;

    // As a layer: runs the graph.
    void build_multi(const Shapes& input_shapes) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Tensors call_multi(const Tensors& inputs, bool training) override;
    Shapes compute_output_shapes(const Shapes& input_shapes) override;
    nlohmann::json get_config() const override;
    std::string class_name() const override;

    // Keras' table: layer (type), output shape, param # (and "Connected to" for graphs), then the totals.
    void summary(std::ostream& out) const;
    void summary() const;

    Optimizer& optimizer() const;
    // The compiled loss on a batch: the weighted sum of every output's loss (with sample weights)
    // plus the layers' regularization losses; a scalar recorded for autograd.
    Tensor compiled_loss(const Tensors& y_true, const Tensors& y_pred, const Tensor& sample_weight);
    // Updates the loss trackers with this batch (`loss` the total, each output's from the last
    // compiled_loss) and every compiled metric; returns the running logs.
    Logs update_metrics(const Tensors& y_true, const Tensors& y_pred, const Tensor& sample_weight, double loss);
    void reset_metrics();
    Logs metrics_result() const;

    // Persistence (kerasxx's .kx file, see kerasxx/models.hpp). save() writes the architecture, the
    // weights, the compile config and the optimizer state; save_weights() only the weights. Both
    // replace `path` atomically. load_weights() checks every weight's name and shape first and
    // changes nothing if one does not match.
    void save(const std::string& path) const;
    void save_weights(const std::string& path) const;
    void load_weights(const std::string& path);
    // The architecture as Keras' JSON ({"class_name": "Sequential", "config": {...}}).
    std::string to_json(int indent = -1) const;

    bool stop_training = false;   // set by a callback to end fit after the current batch

    // While fit() runs, its position (epoch, batch, sample order), else null: for callbacks that
    // checkpoint training and resume it at the exact next batch (BackupAndRestore).
    detail::FitState* fit_state() const { return fit_state_; }

protected:
    // For subclasses that keep a graph alongside their own call() (Sequential): the graph's ends.
    void set_graph(const SymbolicTensors& inputs, const SymbolicTensors& outputs);
    bool has_graph() const { return graph_ != nullptr; }

private:
    struct Graph;
    struct Compiled;
    std::shared_ptr<const Graph> graph_;
    std::unique_ptr<Compiled> compiled_;
    detail::FitState* fit_state_ = nullptr;
    Compiled& require_compiled(const char* caller) const;
    void resolve_outputs(const std::vector<std::string>& names);
    Tensors to_inputs(const Arrays& x, const std::string& where) const;
    Tensors to_targets(const Arrays& y, const std::string& where) const;
    // fit's one loop over epochs, batches and callbacks, whatever the batches come from.
    History run_fit(detail::BatchSource& train, int steps, detail::FitState& state, const FitOptions& options,
                    const std::string& where);
    // A dataset element as one batch in the model's order: (x, y[, sample_weight]) when `y` is given,
    // else x or (x, ...) for predict.
    void unpack(const data::Element& element, const std::string& where, Tensors& x, Tensors* y, Tensor* sample_weight) const;
};

}  // namespace kx
