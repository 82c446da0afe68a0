#include "lanes.hpp"

#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <cmath>

namespace kx::optimizers {

using detail::load;
using detail::store;

Adam::Adam() : Adam(Options{}) {}
Adam::Adam(LearningRate learning_rate) : Adam(Options{.learning_rate = std::move(learning_rate)}) {}
Adam::Adam(Options options) : Adam("Adam", std::move(options)) {}
Adam::Adam(std::string class_name, Options o)
    : Optimizer(std::move(class_name), "adam", o.learning_rate, common_options(o)),
      beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon), amsgrad_(o.amsgrad) {
    check_range("beta_1", beta_1_, 0.0, 1.0, false);
    check_range("beta_2", beta_2_, 0.0, 1.0, false);
}

nlohmann::json Adam::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["beta_1"] = beta_1_;
    config["beta_2"] = beta_2_;
    config["epsilon"] = epsilon_;
    config["amsgrad"] = amsgrad_;
    return config;
}

std::vector<Optimizer::SlotSpec> Adam::slot_specs() const {
    if (amsgrad_) return {{"momentum"}, {"velocity"}, {"velocity_hat"}};
    return {{"momentum"}, {"velocity"}};
}

void Adam::update_step(const float* g, float* w, std::size_t n, std::span<float* const> slots, double learning_rate) {
    // The bias corrections fold into one step size, as in Keras.
    const double t = static_cast<double>(iterations() + 1);
    const float alpha = static_cast<float>(learning_rate * std::sqrt(1.0 - std::pow(beta_2_, t)) / (1.0 - std::pow(beta_1_, t)));
    const float c1 = static_cast<float>(1.0 - beta_1_), c2 = static_cast<float>(1.0 - beta_2_);
    const float eps = static_cast<float>(epsilon_);
    float* m = slots[0];
    float* v = slots[1];
    float* v_hat = amsgrad_ ? slots[2] : nullptr;
    detail::for_each_lane(n, [&]<class T>(std::size_t i) {
        const T gi = load<T>(g + i);
        const T mi = load<T>(m + i) + (gi - load<T>(m + i)) * c1;
        T vi = load<T>(v + i) + (gi * gi - load<T>(v + i)) * c2;
        store(m + i, mi);
        store(v + i, vi);
        if (v_hat) {
            vi = xsimd::max(load<T>(v_hat + i), vi);
            store(v_hat + i, vi);
        }
        store(w + i, load<T>(w + i) - mi * alpha / (xsimd::sqrt(vi) + eps));
    });
}

}  // namespace kx::optimizers
