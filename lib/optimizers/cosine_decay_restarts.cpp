#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include "format.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <numbers>

namespace kx::optimizers::schedules {

CosineDecayRestarts::CosineDecayRestarts(Options options) : options_(std::move(options)) {
    if (options_.first_decay_steps <= 0)
        throw Error("CosineDecayRestarts: expected first_decay_steps > 0, got first_decay_steps=" +
                    std::to_string(options_.first_decay_steps));
    // Period lengths first_decay_steps * t_mul^i must be positive.
    if (!(options_.t_mul > 0.0))
        throw Error("CosineDecayRestarts: expected t_mul > 0, got t_mul=" + detail::format_number(options_.t_mul));
}

CosineDecayRestarts::CosineDecayRestarts(double initial_learning_rate, std::int64_t first_decay_steps, double t_mul,
                                         double m_mul, double alpha)
    : CosineDecayRestarts(Options{.initial_learning_rate = initial_learning_rate,
                                  .first_decay_steps = first_decay_steps,
                                  .t_mul = t_mul,
                                  .m_mul = m_mul,
                                  .alpha = alpha}) {}

double CosineDecayRestarts::operator()(std::int64_t step) const {
    const double t_mul = options_.t_mul;
    double fraction = static_cast<double>(step) / static_cast<double>(options_.first_decay_steps);
    double restart = 0.0;
    if (t_mul == 1.0) {
        restart = std::floor(fraction);
        fraction -= restart;
    } else {
        // Periods 0..i-1 cover (1 - t_mul^i) / (1 - t_mul) first periods: solve for i, then take
        // the fraction of period i (of length t_mul^i) completed.
        restart = std::floor(std::log(1.0 - fraction * (1.0 - t_mul)) / std::log(t_mul));
        const double completed = (1.0 - std::pow(t_mul, restart)) / (1.0 - t_mul);
        fraction = (fraction - completed) / std::pow(t_mul, restart);
    }
    const double cosine = 0.5 * std::pow(options_.m_mul, restart) * (1.0 + std::cos(std::numbers::pi * fraction));
    return options_.initial_learning_rate * ((1.0 - options_.alpha) * cosine + options_.alpha);
}

nlohmann::json CosineDecayRestarts::get_config() const {
    return {{"initial_learning_rate", options_.initial_learning_rate},
            {"first_decay_steps", options_.first_decay_steps},
            {"t_mul", options_.t_mul},
            {"m_mul", options_.m_mul},
            {"alpha", options_.alpha},
            {"name", options_.name}};
}

}  // namespace kx::optimizers::schedules
