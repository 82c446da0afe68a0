// The loops behind fit(), evaluate() and predict(): batching, shuffling, validation, and the
// callback events around every step. The step itself is Model::train_step / test_step. Each loop
// takes its batches from a BatchSource: rows of in-memory arrays, or a kx::data::Dataset's iterator.
#include "fit_state.hpp"
#include "model_compiled.hpp"
#include "random_engine.hpp"

#include <kerasxx/callbacks/progbar_logger.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <numeric>
#include <optional>

namespace kx {

namespace detail {

// One batch, inputs and targets in the model's order.
struct Batch {
    Tensors x, y;
    Tensor sample_weight;
};

// Where a loop's batches come from. A loop calls begin_epoch, then next(step) for step = first_step,
// first_step + 1, ... until it has its steps or next returns nullopt (the data ran out), then end_epoch.
class BatchSource {
public:
    virtual ~BatchSource() = default;
    // `epochs_before`: epochs of this run that came before this one; first_step > 0 resumes mid-epoch.
    virtual void begin_epoch(int epochs_before, int first_step) = 0;
    virtual std::optional<Batch> next(int step) = 0;
    virtual void end_epoch() {}
    virtual void release() {}   // frees what the source holds (a dataset iterator and its threads)
};

}  // namespace detail

namespace {
using detail::Batch;
using detail::BatchSource;
using Indices = std::vector<std::size_t>;

std::size_t samples_of(const Tensor& t) { return t.rank() == 0 ? 0 : t.shape()[0]; }

// NaN and inf have every exponent bit set: an integer test that GCC vectorises, unlike std::isfinite,
// so checking a whole data set costs little.
bool all_finite(const float* p, std::size_t n) {
    std::uint32_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) bad |= (std::bit_cast<std::uint32_t>(p[i]) & 0x7f800000u) == 0x7f800000u;
    return bad == 0;
}

void check_finite(const Tensor& t, const std::string& where, const char* what) {
    const float* p = t.data();
    const std::size_t n = t.size();
    if (all_finite(p, n)) return;
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i]))
            throw Error(where + ": " + what + " contains " + (std::isnan(p[i]) ? "NaN" : "inf") + " at flat index " +
                        std::to_string(i) + " (sample " + std::to_string(i / std::max<std::size_t>(1, t.size() / samples_of(t))) +
                        "); clean or impute the data first");
}

// "x" for a one-input model, "x[1]" for the second of several.
std::string label(const char* what, std::size_t i, std::size_t count) {
    std::string out = what;
    if (count > 1) out.append(1, '[').append(std::to_string(i)).append(1, ']');
    return out;
}

// Every x and y must be defined, non-empty, finite and of one length; sample weights too.
void check_data(const std::string& where, const Tensors& x, const Tensors& y, const Tensor& sample_weight = Tensor()) {
    if (x.empty()) throw Error(where + ": expected x, got no input arrays");
    const std::size_t n = x[0].defined() ? samples_of(x[0]) : 0;
    auto check = [&](const Tensor& t, const std::string& what) {
        if (!t.defined() || samples_of(t) == 0)
            throw Error(where + ": expected " + what + " with at least one sample, got " +
                        (t.defined() ? "shape " + to_string(t.shape()) : "an undefined tensor"));
        if (samples_of(t) != n)
            throw Error(where + ": every x and y must have the same number of samples, got " + label("x", 0, x.size()) +
                        " with shape " + to_string(x[0].shape()) + " and " + what + " with shape " + to_string(t.shape()));
        check_finite(t, where, what.c_str());
    };
    for (std::size_t i = 0; i < x.size(); ++i) check(x[i], label("x", i, x.size()));
    for (std::size_t i = 0; i < y.size(); ++i) check(y[i], label("y", i, y.size()));
    if (sample_weight.defined() && (sample_weight.rank() != 1 || samples_of(sample_weight) != n))
        throw Error(where + ": expected sample_weight of shape " + to_string(Shape{n}) + ", got " +
                    to_string(sample_weight.shape()));
}

// Rows `indices[begin, end)` of `t`, as a new (end - begin, ...) tensor.
Tensor gather(const Tensor& t, const Indices& indices, std::size_t begin, std::size_t end) {
    if (!t.defined()) return t;
    Shape shape = t.shape();
    const std::size_t row = t.size() / shape[0];
    shape[0] = end - begin;
    Tensor out = Tensor::empty(shape);
    for (std::size_t i = begin; i < end; ++i) std::memcpy(out.data() + (i - begin) * row, t.data() + indices[i] * row, row * sizeof(float));
    return out;
}

Tensors gather(const Tensors& ts, const Indices& indices, std::size_t begin, std::size_t end) {
    Tensors out;
    for (const Tensor& t : ts) out.push_back(gather(t, indices, begin, end));
    return out;
}

Indices iota(std::size_t begin, std::size_t end) {
    Indices v(end - begin);
    std::iota(v.begin(), v.end(), begin);
    return v;
}

// The class id of each sample: the label itself, or the argmax of a one-hot row.
int class_of(const Tensor& y, std::size_t i) {
    const std::size_t row = y.size() / y.shape()[0];
    const float* p = y.data() + i * row;
    return row == 1 ? static_cast<int>(p[0]) : static_cast<int>(std::max_element(p, p + row) - p);
}

// sample_weight (or ones) times the class weights, as Keras multiplies the two; fit() calls it only
// when class_weight is given.
Tensor combined_weights(const Tensor& y, const Tensor& sample_weight, const std::map<int, float>& class_weight) {
    Tensor w = sample_weight.defined() ? sample_weight.clone() : Tensor::ones({samples_of(y)});
    for (std::size_t i = 0; i < w.size(); ++i) {
        const int c = class_of(y, i);
        const auto it = class_weight.find(c);
        if (it == class_weight.end())
            throw Error("fit: class_weight has no entry for class " + std::to_string(c) + " (sample " + std::to_string(i) +
                        "); give a weight for every class present in y");
        w.data()[i] *= it->second;
    }
    return w;
}

class Events {
public:
    Events(Model& model, const std::vector<CallbackHandle>& callbacks, const TrainingParams& params,
           std::shared_ptr<Callback> extra1 = nullptr, std::shared_ptr<Callback> extra2 = nullptr) {
        for (const auto& cb : callbacks) list_.push_back(cb);
        for (auto& cb : {extra1, extra2})
            if (cb) list_.push_back(cb);
        for (const auto& cb : list_) {
            cb->set_model(&model);
            cb->set_params(params);
        }
    }
    template <class... Params, class... Args>
    void operator()(void (Callback::*event)(Params...), Args&&... args) {
        for (const auto& cb : list_) ((*cb).*event)(args...);
    }
    // A dataset of unknown size tells its number of batches after one epoch: later bars show it.
    void set_steps(int steps) {
        for (const auto& cb : list_) {
            TrainingParams params = cb->params();
            params.steps = steps;
            cb->set_params(params);
        }
    }

private:
    std::vector<std::shared_ptr<Callback>> list_;
};

std::shared_ptr<Callback> progbar_for(int verbose) {
    return verbose ? std::make_shared<ProgbarLogger>() : nullptr;
}

int batches(std::size_t samples, int batch_size) {
    return static_cast<int>((samples + static_cast<std::size_t>(batch_size) - 1) / static_cast<std::size_t>(batch_size));
}

constexpr int default_batch_size = 32;   // Keras' default for arrays

int array_batch_size(const std::string& where, const std::optional<int>& batch_size) {
    const int size = batch_size.value_or(default_batch_size);
    if (size <= 0) throw Error(where + ": expected a positive batch_size, got " + std::to_string(size));
    return size;
}

// Rows of in-memory arrays in `order` (fit reshuffles it every epoch when asked to).
class ArraySource final : public BatchSource {
public:
    ArraySource(Tensors x, Tensors y, Tensor sample_weight, Indices& order, int batch_size, bool shuffle)
        : x_(std::move(x)), y_(std::move(y)), sample_weight_(std::move(sample_weight)), order_(order),
          batch_(static_cast<std::size_t>(batch_size)), data_steps_(batches(order.size(), batch_size)), shuffle_(shuffle) {}

    int data_steps() const { return data_steps_; }
    void begin_epoch(int, int first_step) override {
        if (shuffle_ && first_step == 0) std::shuffle(order_.begin(), order_.end(), detail::random_engine());
    }
    // steps_per_epoch beyond one pass wraps around the data.
    std::optional<Batch> next(int step) override {
        const std::size_t begin = static_cast<std::size_t>(step % data_steps_) * batch_;
        const std::size_t end = std::min(begin + batch_, order_.size());
        return Batch{gather(x_, order_, begin, end), gather(y_, order_, begin, end), gather(sample_weight_, order_, begin, end)};
    }

private:
    Tensors x_, y_;
    Tensor sample_weight_;
    Indices& order_;
    std::size_t batch_;
    int data_steps_;
    bool shuffle_;
};

// A dataset's batches. Each epoch is a new iteration of the dataset, unless keep_position: then the
// epochs continue one iterator (fit with steps_per_epoch, as Keras).
class DatasetSource final : public BatchSource {
public:
    using Convert = std::function<Batch(const data::Element&, int step)>;
    DatasetSource(data::Dataset dataset, bool keep_position, Convert convert)
        : dataset_(std::move(dataset)), keep_position_(keep_position), convert_(std::move(convert)) {}

    void set_steps(int steps) { steps_ = steps; }
    // Resuming skips what the interrupted run consumed: the batches of the epochs before (one
    // iterator), or their iterations (begin() replays each reshuffle) and then this epoch's batches.
    void begin_epoch(int epochs_before, int first_step) override {
        if (keep_position_) {
            if (!iterator_) {
                iterator_.emplace(dataset_.begin());
                skip(epochs_before * steps_ + first_step);
            }
            return;
        }
        if (!started_)
            for (int i = 0; i < epochs_before; ++i) (void)dataset_.begin();
        started_ = true;
        iterator_.emplace(dataset_.begin());
        skip(first_step);
    }
    std::optional<Batch> next(int step) override {
        if (!iterator_) return std::nullopt;
        std::optional<data::Element> element = iterator_->next();
        if (!element) {
            iterator_.reset();
            return std::nullopt;
        }
        return convert_(*element, step);
    }
    void end_epoch() override {
        if (!keep_position_) iterator_.reset();
    }
    void release() override { iterator_.reset(); }

private:
    void skip(int batches) {
        for (int i = 0; i < batches && iterator_->next(); ++i) {}
    }

    data::Dataset dataset_;
    bool keep_position_;
    Convert convert_;
    int steps_ = 0;
    bool started_ = false;
    std::optional<data::Dataset::Iterator> iterator_;   // destroying it stops the pipeline's threads
};

// A dataset's number of batches for a loop: `steps` if given, else its cardinality, 0 if unknown.
int dataset_steps(const std::string& where, const data::Dataset& dataset, int steps, const char* steps_name) {
    const std::int64_t n = dataset.cardinality();
    if (steps > 0) return steps;
    if (n == data::infinite_cardinality)
        throw Error(where + ": the dataset is infinite (repeat() without a count); give " + steps_name +
                    ", the number of batches to take from it");
    if (n == 0) throw Error(where + ": the dataset is empty; expected at least one batch");
    if (n > INT_MAX) throw Error(where + ": the dataset has " + std::to_string(n) + " batches, more than " + std::to_string(INT_MAX));
    return n > 0 ? static_cast<int>(n) : 0;
}

void check_steps(const std::string& where, int steps, const char* steps_name) {
    if (steps < 0) throw Error(where + ": expected " + steps_name + " >= 0, got " + std::to_string(steps));
}

// evaluate()'s loop (steps 0: until the source runs out); fit() runs it for validation with its own callbacks and their fit params.
Logs test_loop(Model& model, Events& events, BatchSource& source, int steps, const std::string& where) {
    model.reset_metrics();
    Logs logs;
    events(&Callback::on_test_begin, logs);
    source.begin_epoch(0, 0);
    int step = 0;
    for (; steps == 0 || step < steps; ++step) {
        std::optional<Batch> batch = source.next(step);
        if (!batch) break;
        Logs batch_logs;
        events(&Callback::on_test_batch_begin, step, batch_logs);
        logs = model.test_step(batch->x, batch->y, batch->sample_weight);
        events(&Callback::on_test_batch_end, step, logs);
    }
    source.release();
    if (step == 0) throw Error(where + ": the data gave no batches to evaluate");
    events(&Callback::on_test_end, logs);
    return logs;
}

// Every output of every batch, stacked along axis 0.
Tensors concatenate_batches(const std::vector<Tensors>& batches, const std::string& where) {
    Tensors out;
    if (batches.empty()) return out;
    for (std::size_t i = 0; i < batches[0].size(); ++i) {
        Shape shape = batches[0][i].shape();
        std::size_t rows = 0;
        for (const Tensors& batch : batches) {
            Shape s = batch[i].shape();
            rows += s.at(0);
            s[0] = shape[0];
            if (s != shape)
                throw Error(where + ": output " + std::to_string(i) + " has batches of shapes " + to_string(batches[0][i].shape()) +
                            " and " + to_string(batch[i].shape()) + ", which cannot be stacked");
        }
        shape[0] = rows;
        Tensor all = Tensor::empty(shape);
        float* p = all.data();
        for (const Tensors& batch : batches) p = std::copy_n(batch[i].data(), batch[i].size(), p);
        out.push_back(all);
    }
    return out;
}

Tensors predict_loop(Model& model, Events& events, BatchSource& source, int steps, const std::string& where) {
    Logs logs;
    events(&Callback::on_predict_begin, logs);
    source.begin_epoch(0, 0);
    std::vector<Tensors> outputs;
    for (int step = 0; steps == 0 || step < steps; ++step) {
        std::optional<Batch> batch = source.next(step);
        if (!batch) break;
        Logs batch_logs;
        events(&Callback::on_predict_batch_begin, step, batch_logs);
        outputs.push_back(model.predict_step(batch->x));
        events(&Callback::on_predict_batch_end, step, batch_logs);
    }
    source.release();
    if (outputs.empty()) throw Error(where + ": the data gave no batches to predict");
    events(&Callback::on_predict_end, logs);
    return concatenate_batches(outputs, where);
}

void check_fit_options(const std::string& where, const FitOptions& options) {
    if (options.epochs < 0 || options.initial_epoch < 0 || options.validation_freq <= 0 || options.steps_per_epoch < 0)
        throw Error(where + ": expected epochs >= 0, initial_epoch >= 0, validation_freq >= 1 and steps_per_epoch >= 0, got " +
                    std::to_string(options.epochs) + ", " + std::to_string(options.initial_epoch) + ", " +
                    std::to_string(options.validation_freq) + ", " + std::to_string(options.steps_per_epoch));
    check_steps(where, options.validation_steps, "validation_steps");
    if (!(options.validation_split >= 0.0f && options.validation_split < 1.0f))
        throw Error(where + ": expected validation_split in [0, 1), got " + std::to_string(options.validation_split));
}

// What a Dataset replaces, Keras rejects: the dataset is batched, split and weighted already.
void reject_array_options(const std::string& where, const std::optional<int>& batch_size, const Tensor& sample_weight) {
    if (batch_size)
        throw Error(where + ": batch_size is not used with a Dataset, which yields batches already (batch it with "
                            "dataset.batch(n)); got batch_size=" + std::to_string(*batch_size));
    if (sample_weight.defined())
        throw Error(where + ": sample_weight is not supported with a Dataset; yield (x, y, sample_weight) elements instead");
}

// A dataset part (x or y) as fit's arrays: a tensor, a tuple of tensors by position or a dict by name.
Arrays arrays_of(const data::Element& part, const char* what) {
    auto tensor_of = [&](const data::Element& item) -> const Tensor& {
        if (!item.is_tensor())
            throw Error(std::string("expected ") + what + " to be a tensor, a tuple of tensors or a dict of tensors, got " +
                        part.structure());
        return item.tensor();
    };
    if (part.is_tensor()) return Arrays(part.tensor());
    if (part.is_tuple()) {
        std::vector<Tensor> list;
        for (const data::Element& item : part.items()) list.push_back(tensor_of(item));
        return Arrays(std::move(list));
    }
    std::map<std::string, Tensor> named;
    for (std::size_t i = 0; i < part.keys().size(); ++i) named.emplace(part.keys()[i], tensor_of(part.items()[i]));
    return Arrays(std::move(named));
}
}  // namespace

void Model::unpack(const data::Element& element, const std::string& where, Tensors& x, Tensors* y, Tensor* sample_weight) const {
    const bool fit = y != nullptr;
    const bool valid = fit ? element.is_tuple() && (element.size() == 2 || element.size() == 3)
                           : !element.is_tuple() || (element.size() >= 1 && element.size() <= 3);
    if (!valid)
        throw Error(where + ": expected dataset elements " +
                    (fit ? "(x, y) or (x, y, sample_weight)" : "x, (x,), (x, y) or (x, y, sample_weight)") + ", got " +
                    element.structure());
    try {
        x = to_inputs(arrays_of(element.is_tuple() ? element[0] : element, "x"), where);
        if (!fit) return;
        *y = to_targets(arrays_of(element[1], "y"), where);
        if (element.size() == 3) {
            if (!element[2].is_tensor()) throw Error("expected sample_weight to be one tensor, got " + element[2].structure());
            *sample_weight = element[2].tensor();
        }
    } catch (const Error& error) {
        const std::string message = error.what();
        throw Error((message.starts_with(where) ? message : where + ": " + message) + " (the dataset's element is " +
                    element.structure() + ")");
    }
}

History Model::run_fit(BatchSource& train, int steps, detail::FitState& state, const FitOptions& options, const std::string& where) {
    // Validation: arrays or a dataset, each run starting from its first batch.
    const ValidationData& val = options.validation_data;
    std::unique_ptr<BatchSource> validation;
    Indices val_order;
    int val_steps = 0;
    const std::string val_where = where + " (validation_data)";
    if (val.dataset) {
        if (options.validation_batch_size > 0)
            throw Error(val_where + ": validation_batch_size is not used with a Dataset, which yields batches already; got " +
                        std::to_string(options.validation_batch_size));
        val_steps = dataset_steps(val_where, *val.dataset, options.validation_steps, "validation_steps");
        validation = std::make_unique<DatasetSource>(*val.dataset, false, [this, val_where](const data::Element& e, int step) {
            Batch b;
            const std::string at = val_where + " batch " + std::to_string(step);
            unpack(e, at, b.x, &b.y, &b.sample_weight);
            check_data(at, b.x, b.y, b.sample_weight);
            return b;
        });
    } else if (!val.x.empty()) {
        const int val_batch = array_batch_size(where, options.validation_batch_size > 0 ? options.validation_batch_size : options.batch_size);
        Tensors vx = to_inputs(val.x, val_where), vy = to_targets(val.y, val_where);
        check_data(val_where, vx, vy, val.sample_weight);
        val_order = iota(0, samples_of(vx[0]));
        auto source = std::make_unique<ArraySource>(std::move(vx), std::move(vy), val.sample_weight, val_order, val_batch, false);
        val_steps = options.validation_steps > 0 ? std::min(options.validation_steps, source->data_steps()) : source->data_steps();
        validation = std::move(source);
    }

    auto history = std::make_shared<History>();
    Events events(*this, options.callbacks, {options.epochs, steps, options.verbose, validation != nullptr}, history,
                  progbar_for(options.verbose));
    stop_training = false;
    state.epoch = options.initial_epoch;
    state.steps = steps > 0 ? steps : INT_MAX;
    fit_state_ = &state;
    const struct Detach {
        Model& model;
        ~Detach() { model.fit_state_ = nullptr; }
    } detach{*this};
    Logs logs;
    events(&Callback::on_train_begin, logs);
    // A callback may have restored an interrupted run: go on after its last finished batch.
    int first_epoch = options.initial_epoch, first_step = 0;
    if (state.resume) {
        first_epoch = state.steps_done >= state.steps ? state.epoch + 1 : state.epoch;
        first_step = state.steps_done >= state.steps ? 0 : state.steps_done;
    }
    for (int epoch = first_epoch; epoch < options.epochs && !stop_training; ++epoch) {
        reset_metrics();
        Logs epoch_logs;
        state.epoch = epoch;
        events(&Callback::on_epoch_begin, epoch, epoch_logs);
        const int start = epoch == first_epoch ? first_step : 0;
        train.begin_epoch(epoch - options.initial_epoch, start);
        int step = start;
        bool ran_out = false;
        for (; (steps == 0 || step < steps) && !stop_training; ++step) {
            std::optional<Batch> batch = train.next(step);
            if (!batch) {
                ran_out = true;
                break;
            }
            Logs batch_logs;
            state.steps_done = step;
            events(&Callback::on_train_batch_begin, step, batch_logs);
            batch_logs = train_step(batch->x, batch->y, batch->sample_weight);
            state.steps_done = step + 1;
            events(&Callback::on_train_batch_end, step, batch_logs);
            epoch_logs = batch_logs;
        }
        train.end_epoch();
        if (stop_training) train.release();   // a prefetching dataset stops its threads now
        if (ran_out && steps == 0) {          // a dataset of unknown size: this epoch was all of it
            if (step == 0) throw Error(where + ": the dataset gave no batches in epoch " + std::to_string(epoch + 1));
            state.steps_done = state.steps;
            if (start == 0) events.set_steps(step);
        } else if (ran_out) {
            std::cerr << where << ": the input ran out of data after " << step << " of epoch " << epoch + 1
                      << "'s steps_per_epoch=" << steps << " batches; interrupting training. Make sure the dataset gives at "
                      << "least steps_per_epoch * epochs batches (use repeat())\n";
        }
        if (validation && (epoch + 1 - options.initial_epoch) % options.validation_freq == 0) {
            const Logs val_logs = test_loop(*this, events, *validation, val_steps, val_where);
            for (const auto& [name, value] : val_logs) epoch_logs["val_" + name] = value;
        }
        events(&Callback::on_epoch_end, epoch, epoch_logs);
        logs = epoch_logs;
        if (ran_out && steps > 0) break;
    }
    train.release();
    events(&Callback::on_train_end, logs);
    return *history;
}

History Model::fit(const Arrays& x_arrays, const Arrays& y_arrays, FitOptions options) {
    require_compiled("fit");
    const std::string where = describe() + " fit";
    const Tensors x = to_inputs(x_arrays, where), y = to_targets(y_arrays, where);
    check_data(where, x, y, options.sample_weight);
    const int batch_size = array_batch_size(where, options.batch_size);
    check_fit_options(where, options);
    if (!options.class_weight.empty() && y.size() != 1)
        throw Error(where + ": class_weight applies to one-output models; this one has " + std::to_string(y.size()) +
                    " outputs (use sample_weight)");
    const Tensor weights = options.class_weight.empty() ? options.sample_weight
                                                        : combined_weights(y[0], options.sample_weight, options.class_weight);
    // validation_split: the last fraction of x/y before any shuffling (as Keras).
    const std::size_t total = samples_of(x[0]);
    std::size_t train_count = total;
    if (options.validation_data.empty() && options.validation_split > 0.0f) {
        train_count = static_cast<std::size_t>(std::ceil(double(total) * (1.0 - options.validation_split)));
        if (train_count == 0 || train_count == total)
            throw Error(where + ": validation_split=" + std::to_string(options.validation_split) + " leaves " +
                        (train_count == 0 ? "no training" : "no validation") + " samples out of " + std::to_string(total));
        const Indices tail = iota(train_count, total);
        options.validation_data = {gather(x, tail, 0, tail.size()), gather(y, tail, 0, tail.size()), gather(weights, tail, 0, tail.size())};
    }
    detail::FitState state{options.initial_epoch, 0, 0, iota(0, train_count), false};
    ArraySource train(x, y, weights, state.order, batch_size, options.shuffle);
    const int steps = options.steps_per_epoch > 0 ? options.steps_per_epoch : train.data_steps();
    return run_fit(train, steps, state, options, where);
}

History Model::fit(const data::Dataset& dataset, FitOptions options) {
    require_compiled("fit");
    const std::string where = describe() + " fit";
    check_fit_options(where, options);
    reject_array_options(where, options.batch_size, options.sample_weight);
    if (options.validation_split > 0.0f)
        throw Error(where + ": validation_split is not supported with a Dataset (it cannot be split without iterating it); "
                            "give validation_data, e.g. dataset.take(n) and dataset.skip(n)");
    const int steps = dataset_steps(where, dataset, options.steps_per_epoch, "steps_per_epoch");
    const std::map<int, float> class_weight = options.class_weight;
    DatasetSource train(dataset, options.steps_per_epoch > 0, [this, where, class_weight](const data::Element& e, int step) {
        Batch b;
        const std::string at = where + " (dataset batch " + std::to_string(step) + ")";
        unpack(e, at, b.x, &b.y, &b.sample_weight);
        check_data(at, b.x, b.y, b.sample_weight);
        if (!class_weight.empty()) {
            if (b.y.size() != 1)
                throw Error(where + ": class_weight applies to one-output models; this one has " + std::to_string(b.y.size()) +
                            " outputs (use sample weights)");
            b.sample_weight = combined_weights(b.y[0], b.sample_weight, class_weight);
        }
        return b;
    });
    train.set_steps(steps);
    detail::FitState state;
    return run_fit(train, steps, state, options, where);
}

Logs Model::evaluate(const Arrays& x_arrays, const Arrays& y_arrays, EvaluateOptions options) {
    require_compiled("evaluate");
    const std::string where = describe() + " evaluate";
    const Tensors x = to_inputs(x_arrays, where), y = to_targets(y_arrays, where);
    check_data(where, x, y, options.sample_weight);
    check_steps(where, options.steps, "steps");
    Indices order = iota(0, samples_of(x[0]));
    ArraySource source(x, y, options.sample_weight, order, array_batch_size(where, options.batch_size), false);
    const int steps = options.steps > 0 ? std::min(options.steps, source.data_steps()) : source.data_steps();
    Events events(*this, options.callbacks, {1, steps, options.verbose}, progbar_for(options.verbose));
    return test_loop(*this, events, source, steps, where);
}

Logs Model::evaluate(const data::Dataset& dataset, EvaluateOptions options) {
    require_compiled("evaluate");
    const std::string where = describe() + " evaluate";
    reject_array_options(where, options.batch_size, options.sample_weight);
    check_steps(where, options.steps, "steps");
    const int steps = dataset_steps(where, dataset, options.steps, "steps");
    DatasetSource source(dataset, false, [this, where](const data::Element& e, int step) {
        Batch b;
        const std::string at = where + " (dataset batch " + std::to_string(step) + ")";
        unpack(e, at, b.x, &b.y, &b.sample_weight);
        check_data(at, b.x, b.y, b.sample_weight);
        return b;
    });
    Events events(*this, options.callbacks, {1, steps, options.verbose}, progbar_for(options.verbose));
    return test_loop(*this, events, source, steps, where);
}

Tensor Model::predict(const Arrays& x, PredictOptions options) {
    Tensors outputs = predict_outputs(x, std::move(options));
    if (outputs.size() != 1)
        throw Error(describe() + " predict: the model has " + std::to_string(outputs.size()) +
                    " outputs; use predict_outputs() to get them all");
    return outputs[0];
}

Tensor Model::predict(const data::Dataset& dataset, PredictOptions options) {
    Tensors outputs = predict_outputs(dataset, std::move(options));
    if (outputs.size() != 1)
        throw Error(describe() + " predict: the model has " + std::to_string(outputs.size()) +
                    " outputs; use predict_outputs() to get them all");
    return outputs[0];
}

Tensors Model::predict_outputs(const Arrays& x_arrays, PredictOptions options) {
    const std::string where = describe() + " predict";
    const Tensors x = to_inputs(x_arrays, where);
    check_data(where, x, {});
    check_steps(where, options.steps, "steps");
    Indices order = iota(0, samples_of(x[0]));
    ArraySource source(x, {}, Tensor(), order, array_batch_size(where, options.batch_size), false);
    const int steps = options.steps > 0 ? std::min(options.steps, source.data_steps()) : source.data_steps();
    Events events(*this, options.callbacks, {1, steps, options.verbose}, progbar_for(options.verbose));
    return predict_loop(*this, events, source, steps, where);
}

Tensors Model::predict_outputs(const data::Dataset& dataset, PredictOptions options) {
    const std::string where = describe() + " predict";
    reject_array_options(where, options.batch_size, Tensor());
    check_steps(where, options.steps, "steps");
    const int steps = dataset_steps(where, dataset, options.steps, "steps");
    DatasetSource source(dataset, false, [this, where](const data::Element& e, int step) {
        Batch b;
        const std::string at = where + " (dataset batch " + std::to_string(step) + ")";
        unpack(e, at, b.x, nullptr, nullptr);
        check_data(at, b.x, {});
        return b;
    });
    Events events(*this, options.callbacks, {1, steps, options.verbose}, progbar_for(options.verbose));
    return predict_loop(*this, events, source, steps, where);
}

}  // namespace kx
