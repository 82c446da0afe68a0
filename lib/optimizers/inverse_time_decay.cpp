#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <cmath>

namespace kx::optimizers::schedules {

InverseTimeDecay::InverseTimeDecay(Options options) : options_(std::move(options)) {
    if (options_.decay_steps <= 0)
        throw Error("InverseTimeDecay: expected decay_steps > 0, got decay_steps=" + std::to_string(options_.decay_steps));
}

InverseTimeDecay::InverseTimeDecay(double initial_learning_rate, std::int64_t decay_steps, double decay_rate, bool staircase)
    : InverseTimeDecay(Options{.initial_learning_rate = initial_learning_rate,
                               .decay_steps = decay_steps,
                               .decay_rate = decay_rate,
                               .staircase = staircase}) {}

double InverseTimeDecay::operator()(std::int64_t step) const {
    double p = static_cast<double>(step) / static_cast<double>(options_.decay_steps);
    if (options_.staircase) p = std::floor(p);
    return options_.initial_learning_rate / (1.0 + options_.decay_rate * p);
}

nlohmann::json InverseTimeDecay::get_config() const {
    return {{"initial_learning_rate", options_.initial_learning_rate},
            {"decay_steps", options_.decay_steps},
            {"decay_rate", options_.decay_rate},
            {"staircase", options_.staircase},
            {"name", options_.name}};
}

}  // namespace kx::optimizers::schedules
