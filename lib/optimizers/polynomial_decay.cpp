#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace kx::optimizers::schedules {

PolynomialDecay::PolynomialDecay(Options options) : options_(std::move(options)) {
    if (options_.decay_steps <= 0)
        throw Error("PolynomialDecay: expected decay_steps > 0, got decay_steps=" + std::to_string(options_.decay_steps));
}

PolynomialDecay::PolynomialDecay(double initial_learning_rate, std::int64_t decay_steps, double end_learning_rate,
                                 double power, bool cycle)
    : PolynomialDecay(Options{.initial_learning_rate = initial_learning_rate,
                              .decay_steps = decay_steps,
                              .end_learning_rate = end_learning_rate,
                              .power = power,
                              .cycle = cycle}) {}

double PolynomialDecay::operator()(std::int64_t step) const {
    double s = static_cast<double>(step);
    double d = static_cast<double>(options_.decay_steps);
    if (options_.cycle)
        d *= step == 0 ? 1.0 : std::ceil(s / d);
    else
        s = std::min(s, d);
    const double span = options_.initial_learning_rate - options_.end_learning_rate;
    return span * std::pow(1.0 - s / d, options_.power) + options_.end_learning_rate;
}

nlohmann::json PolynomialDecay::get_config() const {
    return {{"initial_learning_rate", options_.initial_learning_rate},
            {"decay_steps", options_.decay_steps},
            {"end_learning_rate", options_.end_learning_rate},
            {"power", options_.power},
            {"cycle", options_.cycle},
            {"name", options_.name}};
}

}  // namespace kx::optimizers::schedules
