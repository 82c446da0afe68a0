#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace kx::optimizers {

Adamax::Adamax() : Adamax(Options{}) {}
Adamax::Adamax(LearningRate learning_rate) : Adamax(Options{.learning_rate = std::move(learning_rate)}) {}
Adamax::Adamax(Options o)
    : Optimizer("Adamax", "adamax", o.learning_rate, common_options(o)),
      beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon) {
    check_range("beta_1", beta_1_, 0.0, 1.0, false);
    check_range("beta_2", beta_2_, 0.0, 1.0);
}

nlohmann::json Adamax::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["beta_1"] = beta_1_;
    config["beta_2"] = beta_2_;
    config["epsilon"] = epsilon_;
    return config;
}

std::vector<Optimizer::SlotSpec> Adamax::slot_specs() const { return {{"m"}, {"u"}}; }

void Adamax::update_step(const float* g, float* w, std::size_t n, std::span<float* const> slots, double learning_rate) {
    const double t = static_cast<double>(iterations() + 1);
    const float step = static_cast<float>(learning_rate / (1.0 - std::pow(beta_1_, t)));   // bias-corrected
    const float c1 = static_cast<float>(1.0 - beta_1_), b2 = static_cast<float>(beta_2_);
    const float eps = static_cast<float>(epsilon_);
    float* m = slots[0];
    float* u = slots[1];
    for (std::size_t i = 0; i < n; ++i) {
        m[i] += (g[i] - m[i]) * c1;
        u[i] = std::max(b2 * u[i], std::abs(g[i]));
        w[i] -= step * m[i] / (u[i] + eps);
    }
}

}  // namespace kx::optimizers
