// The loops behind fit(), evaluate() and predict(): batching, shuffling, validation, and the
// callback events around every step. The step itself is Model::train_step / test_step.
#include "fit_state.hpp"
#include "model_compiled.hpp"
#include "random_engine.hpp"

#include <kerasxx/callbacks/progbar_logger.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <numeric>

namespace kx {

namespace {
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

private:
    std::vector<std::shared_ptr<Callback>> list_;
};

std::shared_ptr<Callback> progbar_for(int verbose) {
    return verbose ? std::make_shared<ProgbarLogger>() : nullptr;
}

int batches(std::size_t samples, int batch_size) {
    return static_cast<int>((samples + static_cast<std::size_t>(batch_size) - 1) / static_cast<std::size_t>(batch_size));
}

void check_batch_size(const std::string& where, int batch_size) {
    if (batch_size <= 0)
        throw Error(where + ": expected a positive batch_size, got " + std::to_string(batch_size));
}

// evaluate()'s loop; fit() runs it for validation with its own callbacks and their fit params.
Logs test_loop(Model& model, Events& events, const Tensors& x, const Tensors& y, const Tensor& sample_weight,
               int batch_size, int steps) {
    model.reset_metrics();
    Logs logs;
    events(&Callback::on_test_begin, logs);
    const std::size_t n = samples_of(x[0]);
    const Indices order = iota(0, n);
    const auto batch = static_cast<std::size_t>(batch_size);
    for (int step = 0; step < steps; ++step) {
        const std::size_t begin = static_cast<std::size_t>(step) * batch, end = std::min(begin + batch, n);
        Logs batch_logs;
        events(&Callback::on_test_batch_begin, step, batch_logs);
        logs = model.test_step(gather(x, order, begin, end), gather(y, order, begin, end), gather(sample_weight, order, begin, end));
        events(&Callback::on_test_batch_end, step, logs);
    }
    events(&Callback::on_test_end, logs);
    return logs;
}
}  // namespace

History Model::fit(const Arrays& x_arrays, const Arrays& y_arrays, FitOptions options) {
    require_compiled("fit");
    const std::string where = describe() + " fit";
    const Tensors x = to_inputs(x_arrays, where), y = to_targets(y_arrays, where);
    check_data(where, x, y, options.sample_weight);
    check_batch_size(where, options.batch_size);
    if (options.epochs < 0 || options.initial_epoch < 0 || options.validation_freq <= 0 || options.steps_per_epoch < 0)
        throw Error(where + ": expected epochs >= 0, initial_epoch >= 0, validation_freq >= 1 and steps_per_epoch >= 0, got " +
                    std::to_string(options.epochs) + ", " + std::to_string(options.initial_epoch) + ", " +
                    std::to_string(options.validation_freq) + ", " + std::to_string(options.steps_per_epoch));
    if (!(options.validation_split >= 0.0f && options.validation_split < 1.0f))
        throw Error(where + ": expected validation_split in [0, 1), got " + std::to_string(options.validation_split));

    if (!options.class_weight.empty() && y.size() != 1)
        throw Error(where + ": class_weight applies to one-output models; this one has " + std::to_string(y.size()) +
                    " outputs (use sample_weight)");
    const Tensor weights = options.class_weight.empty() ? options.sample_weight
                                                        : combined_weights(y[0], options.sample_weight, options.class_weight);
    // Validation: explicit data, or the last fraction of x/y before any shuffling (as Keras).
    const std::size_t total = samples_of(x[0]);
    std::size_t train_count = total;
    struct {
        Tensors x, y;
        Tensor sample_weight;
    } val;
    if (!options.validation_data.x.empty()) {
        val = {to_inputs(options.validation_data.x, where + " (validation_data)"),
               to_targets(options.validation_data.y, where + " (validation_data)"), options.validation_data.sample_weight};
        check_data(where + " (validation_data)", val.x, val.y, val.sample_weight);
    } else if (options.validation_split > 0.0f) {
        train_count = static_cast<std::size_t>(std::ceil(double(total) * (1.0 - options.validation_split)));
        if (train_count == 0 || train_count == total)
            throw Error(where + ": validation_split=" + std::to_string(options.validation_split) + " leaves " +
                        (train_count == 0 ? "no training" : "no validation") + " samples out of " + std::to_string(total));
        const Indices tail = iota(train_count, total);
        val = {gather(x, tail, 0, tail.size()), gather(y, tail, 0, tail.size()), gather(weights, tail, 0, tail.size())};
    }
    const int data_steps = batches(train_count, options.batch_size);
    const int steps = options.steps_per_epoch > 0 ? options.steps_per_epoch : data_steps;

    auto history = std::make_shared<History>();
    Events events(*this, options.callbacks, {options.epochs, steps, options.verbose, !val.x.empty()}, history,
                  progbar_for(options.verbose));
    stop_training = false;
    detail::FitState state{options.initial_epoch, 0, steps, iota(0, train_count), false};
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
        first_epoch = state.steps_done >= steps ? state.epoch + 1 : state.epoch;
        first_step = state.steps_done >= steps ? 0 : state.steps_done;
    }
    Indices& order = state.order;
    const auto batch = static_cast<std::size_t>(options.batch_size);
    for (int epoch = first_epoch; epoch < options.epochs && !stop_training; ++epoch) {
        reset_metrics();
        Logs epoch_logs;
        state.epoch = epoch;
        events(&Callback::on_epoch_begin, epoch, epoch_logs);
        const int start = epoch == first_epoch ? first_step : 0;
        if (options.shuffle && start == 0) std::shuffle(order.begin(), order.end(), detail::random_engine());
        for (int step = start; step < steps && !stop_training; ++step) {
            // steps_per_epoch beyond one pass wraps around the data.
            const std::size_t begin = static_cast<std::size_t>(step % data_steps) * batch;
            const std::size_t end = std::min(begin + batch, train_count);
            Logs batch_logs;
            state.steps_done = step;
            events(&Callback::on_train_batch_begin, step, batch_logs);
            batch_logs = train_step(gather(x, order, begin, end), gather(y, order, begin, end), gather(weights, order, begin, end));
            state.steps_done = step + 1;
            events(&Callback::on_train_batch_end, step, batch_logs);
            epoch_logs = batch_logs;
        }
        if (!val.x.empty() && (epoch + 1 - options.initial_epoch) % options.validation_freq == 0) {
            const int val_batch = options.validation_batch_size > 0 ? options.validation_batch_size : options.batch_size;
            const Logs val_logs = test_loop(*this, events, val.x, val.y, val.sample_weight, val_batch,
                                            batches(samples_of(val.x[0]), val_batch));
            for (const auto& [name, value] : val_logs) epoch_logs["val_" + name] = value;
        }
        events(&Callback::on_epoch_end, epoch, epoch_logs);
        logs = epoch_logs;
    }
    events(&Callback::on_train_end, logs);
    return *history;
}

Logs Model::evaluate(const Arrays& x_arrays, const Arrays& y_arrays, EvaluateOptions options) {
    require_compiled("evaluate");
    const std::string where = describe() + " evaluate";
    const Tensors x = to_inputs(x_arrays, where), y = to_targets(y_arrays, where);
    check_data(where, x, y, options.sample_weight);
    check_batch_size(where, options.batch_size);
    const int data_steps = batches(samples_of(x[0]), options.batch_size);
    const int steps = options.steps > 0 ? std::min(options.steps, data_steps) : data_steps;
    Events events(*this, options.callbacks, {1, steps, options.verbose}, progbar_for(options.verbose));
    return test_loop(*this, events, x, y, options.sample_weight, options.batch_size, steps);
}

Tensor Model::predict(const Arrays& x, PredictOptions options) {
    Tensors outputs = predict_outputs(x, std::move(options));
    if (outputs.size() != 1)
        throw Error(describe() + " predict: the model has " + std::to_string(outputs.size()) +
                    " outputs; use predict_outputs() to get them all");
    return outputs[0];
}

Tensors Model::predict_outputs(const Arrays& x_arrays, PredictOptions options) {
    const std::string where = describe() + " predict";
    const Tensors x = to_inputs(x_arrays, where);
    check_data(where, x, {});
    check_batch_size(where, options.batch_size);
    const std::size_t n = samples_of(x[0]);
    const int data_steps = batches(n, options.batch_size);
    const int steps = options.steps > 0 ? std::min(options.steps, data_steps) : data_steps;
    const auto batch = static_cast<std::size_t>(options.batch_size);
    const std::size_t rows = std::min(n, static_cast<std::size_t>(steps) * batch);
    Events events(*this, options.callbacks, {1, steps, options.verbose}, progbar_for(options.verbose));
    Logs logs;
    events(&Callback::on_predict_begin, logs);
    const Indices order = iota(0, n);
    Tensors out;
    for (int step = 0; step < steps; ++step) {
        const std::size_t begin = static_cast<std::size_t>(step) * batch, end = std::min(begin + batch, rows);
        Logs batch_logs;
        events(&Callback::on_predict_batch_begin, step, batch_logs);
        const Tensors y = predict_step(gather(x, order, begin, end));
        for (std::size_t i = 0; i < y.size(); ++i) {
            if (out.size() <= i) {   // the first batch tells each output's shape
                Shape shape = y[i].shape();
                shape[0] = rows;
                out.push_back(Tensor::empty(shape));
            }
            std::copy_n(y[i].data(), y[i].size(), out[i].data() + begin * (out[i].size() / rows));
        }
        events(&Callback::on_predict_batch_end, step, batch_logs);
    }
    events(&Callback::on_predict_end, logs);
    return out;
}

}  // namespace kx
