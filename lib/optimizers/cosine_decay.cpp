#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kx::optimizers::schedules {

CosineDecay::CosineDecay(Options options) : options_(std::move(options)) {
    if (options_.decay_steps <= 0)
        throw Error("CosineDecay: expected decay_steps > 0, got decay_steps=" + std::to_string(options_.decay_steps));
    if (options_.warmup_steps < 0)
        throw Error("CosineDecay: expected warmup_steps >= 0, got warmup_steps=" + std::to_string(options_.warmup_steps));
}

CosineDecay::CosineDecay(double initial_learning_rate, std::int64_t decay_steps, double alpha,
                         std::optional<double> warmup_target, std::int64_t warmup_steps)
    : CosineDecay(Options{.initial_learning_rate = initial_learning_rate,
                          .decay_steps = decay_steps,
                          .alpha = alpha,
                          .warmup_target = warmup_target,
                          .warmup_steps = warmup_steps}) {}

double CosineDecay::operator()(std::int64_t step) const {
    const double decay_steps = static_cast<double>(options_.decay_steps);
    const double warmup_steps = options_.warmup_target ? static_cast<double>(options_.warmup_steps) : 0.0;
    const double s = std::min(static_cast<double>(step), decay_steps + warmup_steps);
    if (s < warmup_steps) {
        const double start = options_.initial_learning_rate;
        return start + (*options_.warmup_target - start) * s / warmup_steps;
    }
    const double from = options_.warmup_target.value_or(options_.initial_learning_rate);
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * (s - warmup_steps) / decay_steps));
    return from * ((1.0 - options_.alpha) * cosine + options_.alpha);
}

nlohmann::json CosineDecay::get_config() const {
    return {{"initial_learning_rate", options_.initial_learning_rate},
            {"decay_steps", options_.decay_steps},
            {"alpha", options_.alpha},
            {"name", options_.name},
            {"warmup_target", options_.warmup_target ? nlohmann::json(*options_.warmup_target) : nlohmann::json(nullptr)},
            {"warmup_steps", options_.warmup_steps}};
}

}  // namespace kx::optimizers::schedules
