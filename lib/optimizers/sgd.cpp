#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

namespace kx::optimizers {

SGD::SGD() : SGD(Options{}) {}
SGD::SGD(LearningRate learning_rate) : SGD(Options{.learning_rate = std::move(learning_rate)}) {}
SGD::SGD(Options o)
    : Optimizer("SGD", "SGD", o.learning_rate, common_options(o)), momentum_(o.momentum), nesterov_(o.nesterov) {
    check_range("momentum", momentum_, 0.0, 1.0);
}

nlohmann::json SGD::get_config() const {
    nlohmann::json config = Optimizer::get_config();
    config["momentum"] = momentum_;
    config["nesterov"] = nesterov_;
    return config;
}

std::vector<Optimizer::SlotSpec> SGD::slot_specs() const {
    if (momentum_ == 0.0) return {};
    return {{"momentum"}};
}

void SGD::update_step(const float* g, float* w, std::size_t n, std::span<float* const> slots, double learning_rate) {
    const float lr = static_cast<float>(learning_rate);
    if (slots.empty()) {
        for (std::size_t i = 0; i < n; ++i) w[i] -= lr * g[i];
        return;
    }
    float* m = slots[0];
    const float mu = static_cast<float>(momentum_);
    if (nesterov_) {
        for (std::size_t i = 0; i < n; ++i) {
            const float mi = mu * m[i] - lr * g[i];
            m[i] = mi;
            w[i] += mu * mi - lr * g[i];
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            m[i] = mu * m[i] - lr * g[i];
            w[i] += m[i];
        }
    }
}

}  // namespace kx::optimizers
