// Optimizers, by object or by Keras name.
//
//   model.compile({.optimizer = "adam", ...});
//   model.compile({.optimizer = kx::optimizers::Adam(1e-3), ...});
//   kx::optimizers::Adam({.learning_rate = 1e-3, .amsgrad = true, .global_clipnorm = 1.0});
//   kx::optimizers::SGD({.learning_rate = kx::optimizers::schedules::ExponentialDecay(0.1, 1000, 0.96),
//                        .momentum = 0.9, .nesterov = true});
//   kx::optimizers::AdamW(kx::optimizers::schedules::CosineDecay(
//       {.initial_learning_rate = 0.0, .decay_steps = 10000, .warmup_target = 1e-3, .warmup_steps = 500}));
//
// Keras 3 semantics, argument names and defaults. Every optimizer also takes the options of Keras'
// base optimizer, last in its options: weight_decay (decoupled, as Keras does it: before the
// update, var -= var * weight_decay * learning_rate), clipnorm (each gradient's L2 norm),
// clipvalue (each element), global_clipnorm (the norm of all gradients together; at most one of
// the three clips), name. The learning rate is a number or a schedule of the iteration count.
// Each optimizer's Options repeats these common fields rather than inheriting them: C++
// designated initializers cannot name a base aggregate's members, and `{.learning_rate = 1e-3,
// .clipnorm = 1.0}` must read like the Keras call.
//
// A custom optimizer derives from kx::Optimizer and writes only Keras' update_step: the base
// skips variables without a gradient, clips, decays weights, stores the slot variables it asks
// for (zero-initialised unless it says otherwise) and counts iterations.
//
//   class SignSGD : public kx::Optimizer {
//   public:
//       SignSGD() : Optimizer("SignSGD", "sign_sgd", 0.01, {}) {}
//   protected:
//       void update_step(const float* g, float* w, std::size_t n, std::span<float* const>,
//                        double lr) override {
//           for (std::size_t i = 0; i < n; ++i) w[i] -= static_cast<float>(lr) * ((g[i] > 0) - (g[i] < 0));
//       }
//   };
#pragma once

#include <kerasxx/autograd.hpp>
#include <kerasxx/handle.hpp>

#include <nlohmann/json_fwd.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace kx {

namespace optimizers::schedules {

// A learning rate as a function of the optimizer's iteration count (0 for the first update).
class LearningRateSchedule {
public:
    virtual ~LearningRateSchedule() = default;
    virtual double operator()(std::int64_t step) const = 0;
    virtual std::string class_name() const = 0;        // "ExponentialDecay"
    virtual nlohmann::json get_config() const = 0;      // constructor arguments
};

// initial_learning_rate * decay_rate ^ (step / decay_steps); with staircase, the exponent is
// rounded down, so the rate drops once every decay_steps.
class ExponentialDecay : public LearningRateSchedule {
public:
    struct Options {
        double initial_learning_rate = 0.0;
        std::int64_t decay_steps = 0;
        double decay_rate = 0.0;
        bool staircase = false;
        std::string name = "ExponentialDecay";
    };
    explicit ExponentialDecay(Options options);
    ExponentialDecay(double initial_learning_rate, std::int64_t decay_steps, double decay_rate, bool staircase = false);

    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "ExponentialDecay"; }
    nlohmann::json get_config() const override;

private:
    Options options_;
};

// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i],
// values.back() after the last boundary. Boundaries increase strictly; one value more than them.
class PiecewiseConstantDecay : public LearningRateSchedule {
public:
    struct Options {
        std::vector<std::int64_t> boundaries = {};
        std::vector<double> values = {};
        std::string name = "PiecewiseConstant";
    };
    explicit PiecewiseConstantDecay(Options options);
    PiecewiseConstantDecay(std::vector<std::int64_t> boundaries, std::vector<double> values);

    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "PiecewiseConstantDecay"; }
    nlohmann::json get_config() const override;

private:
    Options options_;
};

// (initial_learning_rate - end_learning_rate) * (1 - s / d)^power + end_learning_rate, with
// s = min(step, decay_steps) and d = decay_steps; with cycle, s = step and d is the first multiple
// of decay_steps >= step (decay_steps itself at step 0), so the decay restarts every decay_steps.
class PolynomialDecay : public LearningRateSchedule {
public:
    struct Options {
        double initial_learning_rate = 0.0;
        std::int64_t decay_steps = 0;
        double end_learning_rate = 1e-4;
        double power = 1.0;
        bool cycle = false;
        std::string name = "PolynomialDecay";
    };
    explicit PolynomialDecay(Options options);
    PolynomialDecay(double initial_learning_rate, std::int64_t decay_steps, double end_learning_rate = 1e-4,
                    double power = 1.0, bool cycle = false);

    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "PolynomialDecay"; }
    nlohmann::json get_config() const override;

private:
    Options options_;
};

// initial_learning_rate / (1 + decay_rate * step / decay_steps); with staircase, step / decay_steps
// is rounded down.
class InverseTimeDecay : public LearningRateSchedule {
public:
    struct Options {
        double initial_learning_rate = 0.0;
        std::int64_t decay_steps = 0;
        double decay_rate = 0.0;
        bool staircase = false;
        std::string name = "InverseTimeDecay";
    };
    explicit InverseTimeDecay(Options options);
    InverseTimeDecay(double initial_learning_rate, std::int64_t decay_steps, double decay_rate, bool staircase = false);

    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "InverseTimeDecay"; }
    nlohmann::json get_config() const override;

private:
    Options options_;
};

// Cosine decay (Loshchilov & Hutter) from lr0 to lr0 * alpha over decay_steps, then constant:
//   lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(s, decay_steps) / decay_steps)) + alpha)
// Without warmup_target, lr0 = initial_learning_rate and s = step. With it, the rate first rises
// linearly from initial_learning_rate to warmup_target over warmup_steps (Goyal et al.), then
// decays with lr0 = warmup_target and s = step - warmup_steps.
class CosineDecay : public LearningRateSchedule {
public:
    struct Options {
        double initial_learning_rate = 0.0;
        std::int64_t decay_steps = 0;
        double alpha = 0.0;
        std::optional<double> warmup_target = std::nullopt;
        std::int64_t warmup_steps = 0;
        std::string name = "CosineDecay";
    };
    explicit CosineDecay(Options options);
    CosineDecay(double initial_learning_rate, std::int64_t decay_steps, double alpha = 0.0,
                std::optional<double> warmup_target = std::nullopt, std::int64_t warmup_steps = 0);

    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "CosineDecay"; }
    nlohmann::json get_config() const override;

private:
    Options options_;
};

// Cosine decay with warm restarts (SGDR): period i lasts first_decay_steps * t_mul^i steps and
// starts at m_mul^i times the initial rate; within a period of completed fraction f,
//   initial_learning_rate * ((1 - alpha) * m_mul^i * 0.5 * (1 + cos(pi * f)) + alpha)
class CosineDecayRestarts : public LearningRateSchedule {
public:
    struct Options {
        double initial_learning_rate = 0.0;
        std::int64_t first_decay_steps = 0;
        double t_mul = 2.0;
        double m_mul = 1.0;
        double alpha = 0.0;
        std::string name = "SGDRDecay";
    };
    explicit CosineDecayRestarts(Options options);
    CosineDecayRestarts(double initial_learning_rate, std::int64_t first_decay_steps, double t_mul = 2.0,
                        double m_mul = 1.0, double alpha = 0.0);

    double operator()(std::int64_t step) const override;
    std::string class_name() const override { return "CosineDecayRestarts"; }
    nlohmann::json get_config() const override;

private:
    Options options_;
};

// Keras' serialized form: {"module", "class_name", "config", "registered_name"}.
nlohmann::json serialize(const LearningRateSchedule& schedule);
// The inverse of serialize (only "class_name" and "config" are read); unknown class names or
// config keys, and missing required arguments, are a kx::Error naming the valid ones.
std::shared_ptr<LearningRateSchedule> deserialize(const nlohmann::json& serialized);

}  // namespace optimizers::schedules

namespace optimizers {

// What `learning_rate` accepts: a number, or a schedule (an object, or a shared_ptr to one).
class LearningRate {
public:
    LearningRate(double value);   // NOLINT: implicit by design
    template <class S>
        requires std::derived_from<std::remove_cvref_t<S>, schedules::LearningRateSchedule>
    LearningRate(S&& schedule)   // NOLINT: implicit by design
        : schedule_(std::make_shared<std::remove_cvref_t<S>>(std::forward<S>(schedule))) {}
    template <std::derived_from<schedules::LearningRateSchedule> S>
    LearningRate(std::shared_ptr<S> schedule) : schedule_(std::move(schedule)) {   // NOLINT
        check_not_null();
    }

    double at(std::int64_t step) const;   // the rate for the update after `step` iterations
    bool is_schedule() const { return schedule_ != nullptr; }
    const std::shared_ptr<const schedules::LearningRateSchedule>& schedule() const { return schedule_; }
    nlohmann::json to_json() const;       // the number, or the serialized schedule

private:
    void check_not_null() const;

    double value_ = 0.0;
    std::shared_ptr<const schedules::LearningRateSchedule> schedule_;
};

// The base optimizer's options (Keras' BaseOptimizer arguments), as each optimizer's Options
// repeats them.
struct CommonOptions {
    std::optional<double> weight_decay = std::nullopt;
    std::optional<double> clipnorm = std::nullopt;
    std::optional<double> clipvalue = std::nullopt;
    std::optional<double> global_clipnorm = std::nullopt;
    std::string name = {};   // empty: the optimizer's default name ("adam", "SGD", ...)
};

}  // namespace optimizers

class Optimizer {
public:
    virtual ~Optimizer();
    Optimizer(Optimizer&&) noexcept;
    Optimizer(const Optimizer&) = delete;   // copies would share or split the slot variables
    Optimizer& operator=(const Optimizer&) = delete;
    Optimizer& operator=(Optimizer&&) = delete;

    // One update of every trainable variable from its accumulated gradient (.grad()). Variables
    // without a gradient, and non-trainable ones, are skipped; at least one must have a gradient
    // unless none is trainable (then nothing happens). Increments iterations().
    virtual void apply_gradients(const std::vector<Variable>& variables);
    // The rate of the next update (a schedule is evaluated at iterations()).
    virtual double learning_rate() const;
    // For callbacks (ReduceLROnPlateau, LearningRateScheduler); an error if the optimizer was
    // given a schedule, as in Keras.
    virtual void set_learning_rate(double learning_rate);
    virtual std::int64_t iterations() const;
    void set_iterations(std::int64_t iterations);   // restoring a checkpoint
    virtual std::string class_name() const;         // "Adam"
    const std::string& name() const;                // "adam"
    // Keras' config: name, learning_rate, weight_decay, clip options (+ the EMA and accumulation
    // options Keras writes, at their defaults), then each optimizer's own arguments.
    virtual nlohmann::json get_config() const;

    // Creates the slot variables of these variables now rather than at their first update
    // (before restoring a checkpoint). Non-trainable variables are ignored.
    void build(const std::vector<Variable>& variables);
    // The slot variables ("dense_kernel_momentum", ...): each variable's slots, in slot order, by
    // variable in the order the optimizer first saw them.
    std::vector<Variable> variables() const;

    // From a Keras identifier ("adam", "sgd", "rmsprop", ..., or the class name "Adam");
    // unknown names are a kx::Error listing the valid ones.
    static std::shared_ptr<Optimizer> get(const std::string& identifier);

protected:
    Optimizer(std::string class_name, std::string default_name, optimizers::LearningRate learning_rate,
              optimizers::CommonOptions common);

    struct SlotSpec {
        std::string name;               // "momentum"; the slot variable is "<variable>_momentum"
        float initial_value = 0.0f;
    };
    // The slot variables each trainable variable gets (Keras' build()); asked once per variable.
    virtual std::vector<SlotSpec> slot_specs() const { return {}; }
    // Called once per apply_gradients, before the per-variable updates (Nadam's running product).
    virtual void begin_step() {}
    // Keras' update_step for one variable of `size` floats: `gradient` is already clipped and
    // the weight decay already applied; `slots` are this variable's slot buffers in
    // slot_specs() order; iterations() is the number of previous updates.
    virtual void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                             double learning_rate) = 0;

    // "Adam 'adam'": how errors name this optimizer.
    std::string describe() const;
    // Throws unless low <= value <= high (or < high when !high_inclusive): "<describe()>: expected
    // <argument> in [low, high], got <argument>=<value>".
    void check_range(const char* argument, double value, double low, double high, bool high_inclusive = true) const;

    template <class Options>
    static optimizers::CommonOptions common_options(const Options& o) {
        return {o.weight_decay, o.clipnorm, o.clipvalue, o.global_clipnorm, o.name};
    }

private:
    struct State;
    std::unique_ptr<State> state_;
    std::string class_name_;
};

namespace optimizers {

// Stochastic gradient descent, with optional (Nesterov) momentum:
//   m = momentum * m - lr * g;  var += m                     (nesterov: var += momentum * m - lr * g)
class SGD : public Optimizer {
public:
    struct Options {
        LearningRate learning_rate = 0.01;
        double momentum = 0.0;
        bool nesterov = false;
        std::optional<double> weight_decay = std::nullopt;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "SGD";
    };
    SGD();
    explicit SGD(LearningRate learning_rate);
    explicit SGD(Options options);
    nlohmann::json get_config() const override;

protected:
    std::vector<SlotSpec> slot_specs() const override;
    void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                     double learning_rate) override;

private:
    double momentum_;
    bool nesterov_;
};

// Adam (Kingma & Ba), Keras' form: alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t),
//   m += (g - m)(1 - beta_1);  v += (g^2 - v)(1 - beta_2);  var -= alpha * m / (sqrt(v) + epsilon)
// amsgrad uses v_hat = max(v_hat, v) in place of v.
class Adam : public Optimizer {
public:
    struct Options {
        LearningRate learning_rate = 0.001;
        double beta_1 = 0.9;
        double beta_2 = 0.999;
        double epsilon = 1e-7;
        bool amsgrad = false;
        std::optional<double> weight_decay = std::nullopt;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "adam";
    };
    Adam();
    explicit Adam(LearningRate learning_rate);
    explicit Adam(Options options);
    nlohmann::json get_config() const override;

protected:
    Adam(std::string class_name, Options options);   // for AdamW
    std::vector<SlotSpec> slot_specs() const override;
    void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                     double learning_rate) override;

private:
    double beta_1_, beta_2_, epsilon_;
    bool amsgrad_;
};

// Adam with decoupled weight decay (Loshchilov & Hutter): as in Keras, exactly Adam with the base
// optimizer's weight_decay, which here defaults to 0.004 and must be set.
class AdamW : public Adam {
public:
    struct Options {
        LearningRate learning_rate = 0.001;
        double weight_decay = 0.004;
        double beta_1 = 0.9;
        double beta_2 = 0.999;
        double epsilon = 1e-7;
        bool amsgrad = false;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "adamw";
    };
    AdamW();
    explicit AdamW(LearningRate learning_rate);
    explicit AdamW(Options options);
};

// RMSprop: v = rho * v + (1 - rho) g^2;  var -= lr * g / sqrt(v + epsilon).
// centered subtracts the squared running mean of g inside the sqrt; momentum > 0 accumulates
// the increments: m = momentum * m + increment;  var -= m.
class RMSprop : public Optimizer {
public:
    struct Options {
        LearningRate learning_rate = 0.001;
        double rho = 0.9;
        double momentum = 0.0;
        double epsilon = 1e-7;
        bool centered = false;
        std::optional<double> weight_decay = std::nullopt;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "rmsprop";
    };
    RMSprop();
    explicit RMSprop(LearningRate learning_rate);
    explicit RMSprop(Options options);
    nlohmann::json get_config() const override;

protected:
    std::vector<SlotSpec> slot_specs() const override;
    void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                     double learning_rate) override;

private:
    double rho_, momentum_, epsilon_;
    bool centered_;
};

// Adagrad: a += g^2 (a starts at initial_accumulator_value);  var -= lr * g / sqrt(a + epsilon).
class Adagrad : public Optimizer {
public:
    struct Options {
        LearningRate learning_rate = 0.001;
        double initial_accumulator_value = 0.1;
        double epsilon = 1e-7;
        std::optional<double> weight_decay = std::nullopt;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "adagrad";
    };
    Adagrad();
    explicit Adagrad(LearningRate learning_rate);
    explicit Adagrad(Options options);
    nlohmann::json get_config() const override;

protected:
    std::vector<SlotSpec> slot_specs() const override;
    void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                     double learning_rate) override;

private:
    double initial_accumulator_value_, epsilon_;
};

// Adadelta (Zeiler), with Keras' learning rate: a = rho a + (1 - rho) g^2;
//   delta = -sqrt(d + epsilon) / sqrt(a + epsilon) * g;  d = rho d + (1 - rho) delta^2;  var += lr * delta
class Adadelta : public Optimizer {
public:
    struct Options {
        LearningRate learning_rate = 0.001;
        double rho = 0.95;
        double epsilon = 1e-7;
        std::optional<double> weight_decay = std::nullopt;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "adadelta";
    };
    Adadelta();
    explicit Adadelta(LearningRate learning_rate);
    explicit Adadelta(Options options);
    nlohmann::json get_config() const override;

protected:
    std::vector<SlotSpec> slot_specs() const override;
    void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                     double learning_rate) override;

private:
    double rho_, epsilon_;
};

// Adamax, Adam with the infinity norm: m += (g - m)(1 - beta_1);  u = max(beta_2 u, |g|);
//   var -= lr * m / ((1 - beta_1^t)(u + epsilon))
class Adamax : public Optimizer {
public:
    struct Options {
        LearningRate learning_rate = 0.001;
        double beta_1 = 0.9;
        double beta_2 = 0.999;
        double epsilon = 1e-7;
        std::optional<double> weight_decay = std::nullopt;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "adamax";
    };
    Adamax();
    explicit Adamax(LearningRate learning_rate);
    explicit Adamax(Options options);
    nlohmann::json get_config() const override;

protected:
    std::vector<SlotSpec> slot_specs() const override;
    void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                     double learning_rate) override;

private:
    double beta_1_, beta_2_, epsilon_;
};

// Nadam (Dozat), Adam with Nesterov momentum and Keras' momentum schedule
// u_t = beta_1 (1 - 0.5 * 0.96^t):
//   m_hat = u_{t+1} m / (1 - prod_{i<=t+1} u_i) + (1 - u_t) g / (1 - prod_{i<=t} u_i)
//   var -= lr * m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)
class Nadam : public Optimizer {
public:
    struct Options {
        LearningRate learning_rate = 0.001;
        double beta_1 = 0.9;
        double beta_2 = 0.999;
        double epsilon = 1e-7;
        std::optional<double> weight_decay = std::nullopt;
        std::optional<double> clipnorm = std::nullopt;
        std::optional<double> clipvalue = std::nullopt;
        std::optional<double> global_clipnorm = std::nullopt;
        std::string name = "nadam";
    };
    Nadam();
    explicit Nadam(LearningRate learning_rate);
    explicit Nadam(Options options);
    nlohmann::json get_config() const override;

protected:
    std::vector<SlotSpec> slot_specs() const override;
    void begin_step() override;
    void update_step(const float* gradient, float* variable, std::size_t size, std::span<float* const> slots,
                     double learning_rate) override;

private:
    double beta_1_, beta_2_, epsilon_;
    double u_product_ = 1.0;            // prod_{i<=t} u_i for t = u_product_step_
    std::int64_t u_product_step_ = 0;
};

// Keras' serialized optimizer, {"class_name": "Adam", "config": {...}} as get_config writes it
// (learning_rate a number or a serialized schedule), or an identifier ("adam"); every argument
// is restored. Unknown classes or keys, and values of the wrong type, are a kx::Error naming
// the optimizer and the key; Keras' EMA, loss scaling and gradient accumulation must be off.
//
//   auto copy = kx::optimizers::deserialize({{"class_name", adam.class_name()}, {"config", adam.get_config()}});
std::shared_ptr<Optimizer> deserialize(const nlohmann::json& serialized);

}  // namespace optimizers

}  // namespace kx
