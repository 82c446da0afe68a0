#include "lanes.hpp"

#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

namespace kx::optimizers {

using detail::load;
using detail::store;

Adadelta::Adadelta() : Adadelta(Options{}) {}
Adadelta::Adadelta(LearningRate learning_rate) : Adadelta(Options{.learning_rate = std::move(learning_rate)}) {}
Adadelta::Adadelta(Options o)
    : Optimizer("Adadelta", "adadelta", o.learning_rate, common_options(o)), rho_(o.rho), epsilon_(o.epsilon) {
    check_range("rho", rho_, 0.0, 1.0);
}

nlohmann::json Adadelta::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["rho"] = rho_;
    config["epsilon"] = epsilon_;
    return config;
}

std::vector<Optimizer::SlotSpec> Adadelta::slot_specs() const {
    return {{"accumulated_grad"}, {"accumulated_delta_var"}};
}

void Adadelta::update_step(const float* g, float* w, std::size_t n, std::span<float* const> slots, double learning_rate) {
    const float lr = static_cast<float>(learning_rate), eps = static_cast<float>(epsilon_);
    const float rho = static_cast<float>(rho_), c = static_cast<float>(1.0 - rho_);
    float* accumulated_grad = slots[0];
    float* accumulated_delta = slots[1];
    detail::for_each_lane(n, [&]<class T>(std::size_t i) {
        const T gi = load<T>(g + i);
        const T ai = rho * load<T>(accumulated_grad + i) + c * gi * gi;
        store(accumulated_grad + i, ai);
        const T di = load<T>(accumulated_delta + i);
        // RMS[delta] / RMS[g] as one square root of a ratio: one sqrt and one division, not two and one.
        const T delta = -xsimd::sqrt((di + eps) / (ai + eps)) * gi;
        store(accumulated_delta + i, rho * di + c * delta * delta);
        store(w + i, load<T>(w + i) + lr * delta);
    });
}

}  // namespace kx::optimizers
