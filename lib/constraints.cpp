// Weight constraints, with Keras 3's formulas: the norm-based ones rescale each slice along
// `axis` by desired / (epsilon + norm), epsilon = 1e-7 (keras.backend.epsilon()). Note that
// this shrinks a slice already inside the bounds by a factor norm / (1e-7 + norm), as Keras does.
#include "class_config.hpp"
#include "format.hpp"

#include <kerasxx/constraints.hpp>
#include <kerasxx/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <vector>

namespace kx {

namespace {
using detail::format_number;
using json = nlohmann::json;

constexpr double epsilon = 1e-7;

// w viewed as (outer, n, inner), n the extent of the normalised axis.
struct AxisSplit {
    std::size_t outer = 1, n = 1, inner = 1;
};

AxisSplit split_at(const Shape& shape, int axis, const char* where) {
    const int rank = static_cast<int>(shape.size());
    if (axis < -rank || axis >= rank)
        throw Error(std::string(where) + ": axis " + std::to_string(axis) + " is out of range for a weight of shape " +
                    to_string(shape) + " (rank " + std::to_string(rank) + ")");
    const std::size_t a = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
    AxisSplit s;
    for (std::size_t d = 0; d < a; ++d) s.outer *= shape[d];
    s.n = shape[a];
    for (std::size_t d = a + 1; d < shape.size(); ++d) s.inner *= shape[d];
    return s;
}

// w * desired(norm) / (epsilon + norm), the norm of each slice taken along `axis`.
template <class Desired>
Tensor rescale_norms(const Tensor& w, int axis, const char* where, Desired desired) {
    const AxisSplit s = split_at(w.shape(), axis, where);
    Tensor out = Tensor::empty(w.shape());
    std::vector<double> squares(s.inner);
    std::vector<float> factor(s.inner);
    for (std::size_t o = 0; o < s.outer; ++o) {
        // One (n, inner) block: rows are the normalised axis, so the loops run over contiguous memory.
        const float* src = w.data() + o * s.n * s.inner;
        float* dst = out.data() + o * s.n * s.inner;
        std::fill(squares.begin(), squares.end(), 0.0);
        for (std::size_t k = 0; k < s.n; ++k)
            for (std::size_t i = 0; i < s.inner; ++i) squares[i] += static_cast<double>(src[k * s.inner + i]) * src[k * s.inner + i];
        for (std::size_t i = 0; i < s.inner; ++i) {
            const double norm = std::sqrt(squares[i]);
            factor[i] = static_cast<float>(desired(norm) / (epsilon + norm));
        }
        for (std::size_t k = 0; k < s.n; ++k)
            for (std::size_t i = 0; i < s.inner; ++i) dst[k * s.inner + i] = src[k * s.inner + i] * factor[i];
    }
    return out;
}

// Keras also accepts a list of axes; a one-element list is the same as its element.
int axis_of(const json& config) {
    if (!config.contains("axis")) return 0;
    const json& axis = config["axis"];
    if (axis.is_number_integer()) return axis.get<int>();
    if (axis.is_array() && axis.size() == 1 && axis[0].is_number_integer()) return axis[0].get<int>();
    throw Error("constraints::deserialize: expected an integer axis, got " + axis.dump() +
                " (norms over several axes are not supported)");
}
}  // namespace

std::shared_ptr<Constraint> Constraint::get(const std::string& identifier) {
    using namespace constraints;
    static const std::map<std::string, std::function<std::shared_ptr<Constraint>()>> table = {
        {"max_norm", [] { return std::make_shared<MaxNorm>(); }},
        {"min_max_norm", [] { return std::make_shared<MinMaxNorm>(); }},
        {"non_neg", [] { return std::make_shared<NonNeg>(); }},
        {"unit_norm", [] { return std::make_shared<UnitNorm>(); }},
        {"MaxNorm", [] { return std::make_shared<MaxNorm>(); }},
        {"MinMaxNorm", [] { return std::make_shared<MinMaxNorm>(); }},
        {"NonNeg", [] { return std::make_shared<NonNeg>(); }},
        {"UnitNorm", [] { return std::make_shared<UnitNorm>(); }},
    };
    if (auto found = table.find(identifier); found != table.end()) return found->second();
    std::string valid;
    for (const auto& entry : table) valid += (valid.empty() ? "" : ", ") + entry.first;
    throw Error("Could not interpret constraint identifier: '" + identifier + "'; expected one of: " + valid);
}

namespace constraints {

json serialize(const std::shared_ptr<Constraint>& constraint) {
    if (!constraint) return nullptr;
    return {{"class_name", constraint->class_name()}, {"config", constraint->get_config()}};
}

std::shared_ptr<Constraint> deserialize(const json& config) {
    if (config.is_null()) return {};
    if (config.is_string()) return Constraint::get(config.get<std::string>());
    const std::string where = "constraints::deserialize";
    const detail::ClassConfig c = detail::read_class_config(config, where);
    auto number = [&](const char* key, double fallback) { return detail::config_number(c, key, fallback, where); };
    if (c.class_name == "MaxNorm" || c.class_name == "max_norm") {
        detail::check_config_keys(c, {"max_value", "axis"}, where);
        return std::make_shared<MaxNorm>(MaxNormOptions{.max_value = number("max_value", 2.0), .axis = axis_of(c.args)});
    }
    if (c.class_name == "NonNeg" || c.class_name == "non_neg") {
        detail::check_config_keys(c, {}, where);
        return std::make_shared<NonNeg>();
    }
    if (c.class_name == "UnitNorm" || c.class_name == "unit_norm") {
        detail::check_config_keys(c, {"axis"}, where);
        return std::make_shared<UnitNorm>(UnitNormOptions{.axis = axis_of(c.args)});
    }
    if (c.class_name == "MinMaxNorm" || c.class_name == "min_max_norm") {
        detail::check_config_keys(c, {"min_value", "max_value", "rate", "axis"}, where);
        return std::make_shared<MinMaxNorm>(MinMaxNormOptions{.min_value = number("min_value", 0.0),
                                                              .max_value = number("max_value", 1.0),
                                                              .rate = number("rate", 1.0),
                                                              .axis = axis_of(c.args)});
    }
    throw Error(where + ": unknown constraint class '" + c.class_name +
                "'; expected one of: MaxNorm, MinMaxNorm, NonNeg, UnitNorm");
}

MaxNorm::MaxNorm(MaxNormOptions options) : options_(options) {
    if (!(options_.max_value >= 0.0))
        throw Error("MaxNorm: expected a non-negative max_value, got max_value=" + format_number(options_.max_value));
}

Tensor MaxNorm::operator()(const Tensor& w) const {
    const double max_value = options_.max_value;
    // desired = clip(norm, 0, max_value)
    return rescale_norms(w, options_.axis, "MaxNorm", [max_value](double norm) { return std::min(norm, max_value); });
}

json MaxNorm::get_config() const { return {{"max_value", options_.max_value}, {"axis", options_.axis}}; }

Tensor NonNeg::operator()(const Tensor& w) const {
    Tensor out = Tensor::empty(w.shape());
    const float* src = w.data();
    float* dst = out.data();
    for (std::size_t i = 0, n = w.size(); i < n; ++i) dst[i] = std::max(src[i], 0.0f);
    return out;
}

json NonNeg::get_config() const { return json::object(); }

UnitNorm::UnitNorm(UnitNormOptions options) : options_(options) {}

Tensor UnitNorm::operator()(const Tensor& w) const {
    return rescale_norms(w, options_.axis, "UnitNorm", [](double) { return 1.0; });
}

json UnitNorm::get_config() const { return {{"axis", options_.axis}}; }

MinMaxNorm::MinMaxNorm(MinMaxNormOptions options) : options_(options) {
    if (!(options_.min_value >= 0.0 && options_.min_value <= options_.max_value))
        throw Error("MinMaxNorm: expected 0 <= min_value <= max_value, got min_value=" +
                    format_number(options_.min_value) + ", max_value=" + format_number(options_.max_value));
    if (!(options_.rate >= 0.0 && options_.rate <= 1.0))
        throw Error("MinMaxNorm: expected a rate in [0, 1] (1 enforces the bounds at once), got rate=" +
                    format_number(options_.rate));
}

Tensor MinMaxNorm::operator()(const Tensor& w) const {
    const MinMaxNormOptions o = options_;
    // desired = rate * clip(norm, min_value, max_value) + (1 - rate) * norm
    return rescale_norms(w, o.axis, "MinMaxNorm", [o](double norm) {
        return o.rate * std::clamp(norm, o.min_value, o.max_value) + (1.0 - o.rate) * norm;
    });
}

json MinMaxNorm::get_config() const {
    return {{"min_value", options_.min_value}, {"max_value", options_.max_value}, {"rate", options_.rate},
            {"axis", options_.axis}};
}

}  // namespace constraints
}  // namespace kx
