#include "lanes.hpp"

#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <cmath>

namespace kx::optimizers {

using detail::load;
using detail::store;

namespace {
// Keras' momentum schedule: u_t = beta_1 (1 - 0.5 * 0.96^t).
double momentum_at(double beta_1, std::int64_t t) { return beta_1 * (1.0 - 0.5 * std::pow(0.96, static_cast<double>(t))); }
}  // namespace

Nadam::Nadam() : Nadam(Options{}) {}
Nadam::Nadam(LearningRate learning_rate) : Nadam(Options{.learning_rate = std::move(learning_rate)}) {}
Nadam::Nadam(Options o)
    : Optimizer("Nadam", "nadam", o.learning_rate, common_options(o)),
      beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon) {
    check_range("beta_1", beta_1_, 0.0, 1.0, false);
    check_range("beta_2", beta_2_, 0.0, 1.0, false);
}

nlohmann::json Nadam::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["beta_1"] = beta_1_;
    config["beta_2"] = beta_2_;
    config["epsilon"] = epsilon_;
    return config;
}

std::vector<Optimizer::SlotSpec> Nadam::slot_specs() const { return {{"momentum"}, {"velocity"}}; }

void Nadam::begin_step() {
    const std::int64_t t = iterations() + 1;
    if (u_product_step_ != t - 1) {   // iterations were restored: recompute the product
        u_product_ = 1.0;
        for (std::int64_t i = 1; i < t; ++i) u_product_ *= momentum_at(beta_1_, i);
    }
    u_product_ *= momentum_at(beta_1_, t);
    u_product_step_ = t;
}

void Nadam::update_step(const float* g, float* w, std::size_t n, std::span<float* const> slots, double learning_rate) {
    const std::int64_t t = iterations() + 1;
    const double u_t = momentum_at(beta_1_, t), u_next = momentum_at(beta_1_, t + 1);
    const double u_product_next = u_product_ * u_next;
    const float cm = static_cast<float>(u_next / (1.0 - u_product_next));
    const float cg = static_cast<float>((1.0 - u_t) / (1.0 - u_product_));
    const float cv = static_cast<float>(1.0 / (1.0 - std::pow(beta_2_, static_cast<double>(t))));
    const float c1 = static_cast<float>(1.0 - beta_1_), c2 = static_cast<float>(1.0 - beta_2_);
    const float lr = static_cast<float>(learning_rate), eps = static_cast<float>(epsilon_);
    float* m = slots[0];
    float* v = slots[1];
    detail::for_each_lane(n, [&]<class T>(std::size_t i) {
        const T gi = load<T>(g + i);
        const T mi = load<T>(m + i) + (gi - load<T>(m + i)) * c1;
        const T vi = load<T>(v + i) + (gi * gi - load<T>(v + i)) * c2;
        store(m + i, mi);
        store(v + i, vi);
        const T m_hat = cm * mi + cg * gi;
        store(w + i, load<T>(w + i) - lr * m_hat / (xsimd::sqrt(vi * cv) + eps));
    });
}

}  // namespace kx::optimizers
