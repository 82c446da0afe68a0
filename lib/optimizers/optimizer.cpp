#include "format.hpp"
#include "lanes.hpp"

#include <kerasxx/constraints.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

namespace kx {

namespace {
using detail::format_number;

std::string format_option(const std::optional<double>& value) { return value ? format_number(*value) : "None"; }

nlohmann::json optional_json(const std::optional<double>& value) { return value ? nlohmann::json(*value) : nlohmann::json(); }

// Sum of squares, in float SIMD lanes over blocks short enough that float accumulation stays
// accurate, added up in double.
double sum_squares(const float* x, std::size_t n) {
    using optimizers::detail::Batch;
    constexpr std::size_t block = 4096;
    double total = 0.0;
    for (std::size_t start = 0; start < n; start += block) {
        Batch lanes(0.0f);
        float tail = 0.0f;
        optimizers::detail::for_each_lane(std::min(block, n - start), [&]<class T>(std::size_t i) {
            const T v = optimizers::detail::load<T>(x + start + i);
            if constexpr (std::is_same_v<T, float>) tail += v * v;
            else lanes = xsimd::fma(v, v, lanes);
        });
        total += static_cast<double>(xsimd::hadd(lanes)) + tail;
    }
    return total;
}

}  // namespace

struct Optimizer::State {
    struct VariableSlots {
        std::shared_ptr<detail::TensorImpl> variable;   // held, so the key below cannot be reused
        std::vector<Variable> slots;
        std::vector<float*> data;
    };
    struct Pending {
        detail::TensorImpl* variable;
        std::size_t slots;
    };

    optimizers::LearningRate learning_rate;
    optimizers::CommonOptions common;
    std::int64_t iterations = 0;
    std::vector<VariableSlots> slots;
    std::unordered_map<const detail::TensorImpl*, std::size_t> slot_index;
    std::vector<Pending> pending;   // reused by every apply_gradients
    std::vector<float> clipped;     // the clipped gradient of the variable being updated
};

Optimizer::Optimizer(std::string class_name, std::string default_name, optimizers::LearningRate learning_rate,
                     optimizers::CommonOptions common)
    : state_(std::make_unique<State>(State{std::move(learning_rate), std::move(common), 0, {}, {}, {}, {}})),
      class_name_(std::move(class_name)) {
    State& s = *state_;
    if (s.common.name.empty()) s.common.name = std::move(default_name);
    if (!s.learning_rate.is_schedule()) {
        const double lr = s.learning_rate.at(0);
        if (!(lr >= 0.0)) throw Error(describe() + ": expected learning_rate >= 0, got learning_rate=" + format_number(lr));
    }
    if (s.common.weight_decay && !(*s.common.weight_decay >= 0.0))
        throw Error(describe() + ": expected weight_decay >= 0, got weight_decay=" + format_number(*s.common.weight_decay));
    const std::pair<const char*, const std::optional<double>&> clips[] = {
        {"clipnorm", s.common.clipnorm}, {"clipvalue", s.common.clipvalue}, {"global_clipnorm", s.common.global_clipnorm}};
    int clips_set = 0;
    for (const auto& [argument, value] : clips) {
        if (!value) continue;
        ++clips_set;
        if (!(*value > 0.0))
            throw Error(describe() + ": expected " + argument + " > 0, got " + argument + "=" + format_number(*value) +
                        " (leave it unset to disable clipping)");
    }
    if (clips_set > 1)
        throw Error(describe() + ": only one of clipnorm, clipvalue and global_clipnorm can be set, got clipnorm=" +
                    format_option(s.common.clipnorm) + ", clipvalue=" + format_option(s.common.clipvalue) +
                    ", global_clipnorm=" + format_option(s.common.global_clipnorm));
}

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;

std::string Optimizer::class_name() const { return class_name_; }
const std::string& Optimizer::name() const { return state_->common.name; }
std::string Optimizer::describe() const { return class_name_ + " '" + state_->common.name + "'"; }

void Optimizer::check_range(const char* argument, double value, double low, double high, bool high_inclusive) const {
    if (value >= low && (high_inclusive ? value <= high : value < high)) return;
    throw Error(describe() + ": expected " + argument + " in [" + format_number(low) + ", " + format_number(high) +
                (high_inclusive ? "]" : ")") + ", got " + argument + "=" + format_number(value));
}

double Optimizer::learning_rate() const { return state_->learning_rate.at(state_->iterations); }

void Optimizer::set_learning_rate(double learning_rate) {
    if (state_->learning_rate.is_schedule())
        throw Error(describe() + ": the learning rate cannot be set, because the optimizer was created with a " +
                    state_->learning_rate.schedule()->class_name() +
                    " schedule as its learning_rate; create it with a number as learning_rate to make it settable");
    if (!(learning_rate >= 0.0))
        throw Error(describe() + ": expected learning_rate >= 0, got learning_rate=" + format_number(learning_rate));
    state_->learning_rate = learning_rate;
}

std::int64_t Optimizer::iterations() const { return state_->iterations; }

void Optimizer::set_iterations(std::int64_t iterations) {
    if (iterations < 0) throw Error(describe() + ": expected iterations >= 0, got iterations=" + std::to_string(iterations));
    state_->iterations = iterations;
}

nlohmann::json Optimizer::get_config() const {
    const optimizers::CommonOptions& c = state_->common;
    // Keras' EMA, loss scaling and gradient accumulation are not implemented; their defaults are
    // written so that Keras reads the config.
    return {{"name", c.name},
            {"learning_rate", state_->learning_rate.to_json()},
            {"weight_decay", optional_json(c.weight_decay)},
            {"clipnorm", optional_json(c.clipnorm)},
            {"global_clipnorm", optional_json(c.global_clipnorm)},
            {"clipvalue", optional_json(c.clipvalue)},
            {"use_ema", false},
            {"ema_momentum", 0.99},
            {"ema_overwrite_frequency", nullptr},
            {"loss_scale_factor", nullptr},
            {"gradient_accumulation_steps", nullptr}};
}

void Optimizer::build(const std::vector<Variable>& variables) {
    State& s = *state_;
    for (const Variable& v : variables) {
        if (!v.defined()) throw Error(describe() + ": build received an undefined variable");
        if (!v.trainable() || s.slot_index.count(v.impl().get())) continue;
        std::string prefix = v.name().empty() ? "variable" : v.name();
        std::replace(prefix.begin(), prefix.end(), '/', '_');   // "dense/kernel" -> "dense_kernel_momentum", as Keras
        State::VariableSlots entry{v.impl(), {}, {}};
        for (const SlotSpec& spec : slot_specs()) {
            entry.slots.emplace_back(prefix + "_" + spec.name, Tensor::full(v.shape(), spec.initial_value), false);
            entry.data.push_back(entry.slots.back().data());
        }
        s.slot_index.emplace(v.impl().get(), s.slots.size());
        s.slots.push_back(std::move(entry));
    }
}

std::vector<Variable> Optimizer::variables() const {
    std::vector<Variable> out;
    for (const State::VariableSlots& entry : state_->slots) out.insert(out.end(), entry.slots.begin(), entry.slots.end());
    return out;
}

void Optimizer::apply_gradients(const std::vector<Variable>& variables) {
    State& s = *state_;
    s.pending.clear();
    bool any_trainable = false;
    for (const Variable& v : variables) {
        if (!v.defined()) throw Error(describe() + ": apply_gradients received an undefined variable");
        if (!v.trainable()) continue;
        any_trainable = true;
        if (!v.impl()->grad) continue;
        auto found = s.slot_index.find(v.impl().get());
        if (found == s.slot_index.end()) {
            build({v});
            found = s.slot_index.find(v.impl().get());
        }
        s.pending.push_back({v.impl().get(), found->second});
    }
    if (!any_trainable) return;
    if (s.pending.empty())
        throw Error(describe() + ": no gradients provided for any variable; run kx::backward(loss) first, and check "
                                 "that the loss depends on the variables");

    const optimizers::CommonOptions& c = s.common;
    const double lr = learning_rate();
    // Keras: g * clip / max(norm, clip); a non-finite global norm makes every gradient NaN.
    double global_scale = 1.0;
    if (c.global_clipnorm) {
        double total = 0.0;
        for (const State::Pending& p : s.pending) total += sum_squares(p.variable->grad->data(), p.variable->grad->size());
        const double norm = std::sqrt(total);
        global_scale = std::isfinite(norm) ? *c.global_clipnorm / std::max(norm, *c.global_clipnorm)
                                           : std::numeric_limits<double>::quiet_NaN();
    }

    begin_step();
    for (const State::Pending& p : s.pending) {
        float* w = p.variable->storage->data();
        const float* g = p.variable->grad->data();
        const std::size_t n = p.variable->storage->size();

        if (c.weight_decay) {
            const float decay = static_cast<float>(*c.weight_decay * lr);
            for (std::size_t i = 0; i < n; ++i) w[i] -= w[i] * decay;
        }

        double scale = global_scale;
        if (c.clipnorm) scale = *c.clipnorm / std::max(std::sqrt(sum_squares(g, n)), *c.clipnorm);
        if (scale != 1.0 || c.clipvalue) {
            if (s.clipped.size() < n) s.clipped.resize(n);
            float* out = s.clipped.data();
            if (c.clipvalue) {
                const float v = static_cast<float>(*c.clipvalue);
                for (std::size_t i = 0; i < n; ++i) out[i] = std::clamp(g[i], -v, v);
            } else {
                const float f = static_cast<float>(scale);
                for (std::size_t i = 0; i < n; ++i) out[i] = g[i] * f;
            }
            g = out;
        }
        update_step(g, w, n, s.slots[p.slots].data, lr);
        if (p.variable->constraint) {   // Keras projects right after the update
            auto view = std::make_shared<detail::TensorImpl>();   // the weights, without autograd state
            view->storage = p.variable->storage;
            view->shape = p.variable->shape;
            Tensor value = Tensor::from_impl(std::move(view));
            value.copy_from((*p.variable->constraint)(value));
        }
    }
    ++s.iterations;
}

std::shared_ptr<Optimizer> Optimizer::get(const std::string& identifier) {
    using namespace optimizers;
    static const std::map<std::string, std::function<std::shared_ptr<Optimizer>()>> table = {
        {"adadelta", [] { return std::make_shared<Adadelta>(); }},
        {"adagrad", [] { return std::make_shared<Adagrad>(); }},
        {"adam", [] { return std::make_shared<Adam>(); }},
        {"adamax", [] { return std::make_shared<Adamax>(); }},
        {"adamw", [] { return std::make_shared<AdamW>(); }},
        {"nadam", [] { return std::make_shared<Nadam>(); }},
        {"rmsprop", [] { return std::make_shared<RMSprop>(); }},
        {"sgd", [] { return std::make_shared<SGD>(); }},
    };
    // Keras accepts both "rmsprop" and the class name "RMSprop".
    std::string key = identifier;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (auto found = table.find(key); found != table.end()) return found->second();
    std::string valid;
    for (const auto& entry : table) valid += (valid.empty() ? "" : ", ") + entry.first;
    throw Error("Could not interpret optimizer identifier: '" + identifier + "'; expected one of: " + valid);
}

}  // namespace kx
