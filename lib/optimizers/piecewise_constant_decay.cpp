#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace kx::optimizers::schedules {

PiecewiseConstantDecay::PiecewiseConstantDecay(Options options) : options_(std::move(options)) {
    const auto& b = options_.boundaries;
    if (options_.values.size() != b.size() + 1)
        throw Error("PiecewiseConstantDecay: expected one more value than boundaries, got " +
                    std::to_string(b.size()) + " boundaries and " + std::to_string(options_.values.size()) + " values");
    for (std::size_t i = 1; i < b.size(); ++i)
        if (b[i] <= b[i - 1])
            throw Error("PiecewiseConstantDecay: expected strictly increasing boundaries, got boundaries[" +
                        std::to_string(i - 1) + "]=" + std::to_string(b[i - 1]) + " and boundaries[" + std::to_string(i) +
                        "]=" + std::to_string(b[i]));
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<std::int64_t> boundaries, std::vector<double> values)
    : PiecewiseConstantDecay(Options{.boundaries = std::move(boundaries), .values = std::move(values)}) {}

double PiecewiseConstantDecay::operator()(std::int64_t step) const {
    // The first boundary >= step closes the interval that holds step.
    const auto& b = options_.boundaries;
    const auto interval = std::lower_bound(b.begin(), b.end(), step) - b.begin();
    return options_.values[static_cast<std::size_t>(interval)];
}

nlohmann::json PiecewiseConstantDecay::get_config() const {
    return {{"boundaries", options_.boundaries}, {"values", options_.values}, {"name", options_.name}};
}

}  // namespace kx::optimizers::schedules
