#include "lanes.hpp"

#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

namespace kx::optimizers {

using detail::load;
using detail::store;

RMSprop::RMSprop() : RMSprop(Options{}) {}
RMSprop::RMSprop(LearningRate learning_rate) : RMSprop(Options{.learning_rate = std::move(learning_rate)}) {}
RMSprop::RMSprop(Options o)
    : Optimizer("RMSprop", "rmsprop", o.learning_rate, common_options(o)),
      rho_(o.rho), momentum_(o.momentum), epsilon_(o.epsilon), centered_(o.centered) {
    check_range("rho", rho_, 0.0, 1.0);
    check_range("momentum", momentum_, 0.0, 1.0);
}

nlohmann::json RMSprop::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["rho"] = rho_;
    config["momentum"] = momentum_;
    config["epsilon"] = epsilon_;
    config["centered"] = centered_;
    return config;
}

std::vector<Optimizer::SlotSpec> RMSprop::slot_specs() const {
    std::vector<SlotSpec> specs{{"velocity"}};
    if (momentum_ > 0.0) specs.push_back({"momentum"});
    if (centered_) specs.push_back({"average_gradient"});
    return specs;
}

void RMSprop::update_step(const float* g, float* w, std::size_t n, std::span<float* const> slots, double learning_rate) {
    const float lr = static_cast<float>(learning_rate);
    const float rho = static_cast<float>(rho_), c = static_cast<float>(1.0 - rho_);
    const float mu = static_cast<float>(momentum_), eps = static_cast<float>(epsilon_);
    float* velocity = slots[0];
    float* momentum = momentum_ > 0.0 ? slots[1] : nullptr;
    float* average = centered_ ? slots.back() : nullptr;
    detail::for_each_lane(n, [&]<class T>(std::size_t i) {
        const T gi = load<T>(g + i);
        const T vi = rho * load<T>(velocity + i) + c * gi * gi;
        store(velocity + i, vi);
        T denominator = vi + eps;
        if (average) {   // centered: the variance of g rather than its second moment
            const T ai = rho * load<T>(average + i) + c * gi;
            store(average + i, ai);
            denominator = vi - ai * ai + eps;
        }
        const T increment = lr * gi / xsimd::sqrt(denominator);
        if (momentum) {
            const T mi = mu * load<T>(momentum + i) + increment;
            store(momentum + i, mi);
            store(w + i, load<T>(w + i) - mi);
        } else {
            store(w + i, load<T>(w + i) - increment);
        }
    });
}

}  // namespace kx::optimizers
