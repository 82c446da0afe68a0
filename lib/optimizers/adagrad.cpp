#include "lanes.hpp"

#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <limits>

namespace kx::optimizers {

using detail::load;
using detail::store;

Adagrad::Adagrad() : Adagrad(Options{}) {}
Adagrad::Adagrad(LearningRate learning_rate) : Adagrad(Options{.learning_rate = std::move(learning_rate)}) {}
Adagrad::Adagrad(Options o)
    : Optimizer("Adagrad", "adagrad", o.learning_rate, common_options(o)),
      initial_accumulator_value_(o.initial_accumulator_value), epsilon_(o.epsilon) {
    check_range("initial_accumulator_value", initial_accumulator_value_, 0.0, std::numeric_limits<double>::max());
}

nlohmann::json Adagrad::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["initial_accumulator_value"] = initial_accumulator_value_;
    config["epsilon"] = epsilon_;
    return config;
}

std::vector<Optimizer::SlotSpec> Adagrad::slot_specs() const {
    return {{"accumulator", static_cast<float>(initial_accumulator_value_)}};
}

void Adagrad::update_step(const float* g, float* w, std::size_t n, std::span<float* const> slots, double learning_rate) {
    const float lr = static_cast<float>(learning_rate), eps = static_cast<float>(epsilon_);
    float* accumulator = slots[0];
    detail::for_each_lane(n, [&]<class T>(std::size_t i) {
        const T gi = load<T>(g + i);
        const T ai = load<T>(accumulator + i) + gi * gi;
        store(accumulator + i, ai);
        store(w + i, load<T>(w + i) - lr * gi / xsimd::sqrt(ai + eps));
    });
}

}  // namespace kx::optimizers
