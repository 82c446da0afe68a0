// Weight regularizers. L1, L2 and L1L2 share one fused penalty kernel: a single pass over the
// weights for the value and a single pass for the gradient, instead of abs/square/sum/scale ops
// that would each materialise a weight-sized temporary on every training step.
#include "class_config.hpp"
#include "format.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/regularizers.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <set>

namespace kx {

namespace {
using detail::format_number;
using json = nlohmann::json;

// Keras' validate_float_arg: a finite, non-negative factor.
double checked_factor(const char* where, const char* name, double value) {
    if (!(value >= 0.0) || std::isinf(value))
        throw Error(std::string(where) + ": invalid value for argument " + name +
                    ": expected a non-negative float. Received: " + name + "=" + format_number(value));
    return value;
}

// l1 * sum(|x|) + l2 * sum(x^2), a scalar recorded for autograd.
Tensor penalty(const Tensor& x, double l1, double l2) {
    const float* w = x.data();
    const std::size_t n = x.size();
    // Sixteen independent partial sums, which GCC vectorises at -O3 (one float accumulator is a
    // serial chain it may not reorder); they also keep each partial sum short, for precision.
    constexpr std::size_t lanes = 16;
    float abs_part[lanes] = {}, square_part[lanes] = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (std::size_t j = 0; j < lanes; ++j) {
            abs_part[j] += std::abs(w[i + j]);
            square_part[j] += w[i + j] * w[i + j];
        }
    double abs_sum = 0.0, square_sum = 0.0;
    for (; i < n; ++i) {
        abs_sum += std::abs(w[i]);
        square_sum += static_cast<double>(w[i]) * w[i];
    }
    for (std::size_t j = 0; j < lanes; ++j) {
        abs_sum += abs_part[j];
        square_sum += square_part[j];
    }
    Tensor y = Tensor::scalar(static_cast<float>(l1 * abs_sum + l2 * square_sum));
    return detail::record("regularizer_penalty", y, {x},
                          [x = x.detach(), l1 = static_cast<float>(l1), l2 = static_cast<float>(l2)](
                              const Tensor& dy, detail::InputGrads& dx) {
                              if (!dx.needs(0)) return;
                              // dx += dy * (l1 * sign(x) + 2 l2 * x)   [shape of x]; sign(0) = 0, as in TF
                              const float a = dy.item() * l1, b = 2.0f * dy.item() * l2;
                              const float* xs = x.data();
                              float* g = dx.acc(0).data();
                              for (std::size_t i = 0, size = x.size(); i < size; ++i) {
                                  const float sign = static_cast<float>((xs[i] > 0.0f) - (xs[i] < 0.0f));
                                  g[i] += a * sign + b * xs[i];
                              }
                          });
}

}  // namespace

std::shared_ptr<Regularizer> Regularizer::get(const std::string& identifier) {
    using namespace regularizers;
    // The lower-case names carry Keras' string defaults (0.01 each, also for "l1_l2"); the class
    // names construct the class with its own defaults (L1L2: 0 and 0), as keras.regularizers.get does.
    static const std::map<std::string, std::function<std::shared_ptr<Regularizer>()>> table = {
        {"l1", [] { return std::make_shared<L1>(); }},
        {"l2", [] { return std::make_shared<L2>(); }},
        {"l1_l2", [] { return std::make_shared<L1L2>(L1L2Options{.l1 = 0.01, .l2 = 0.01}); }},
        {"L1", [] { return std::make_shared<L1>(); }},
        {"L2", [] { return std::make_shared<L2>(); }},
        {"L1L2", [] { return std::make_shared<L1L2>(); }},
    };
    if (auto found = table.find(identifier); found != table.end()) return found->second();
    std::string valid;
    for (const auto& entry : table) valid += (valid.empty() ? "" : ", ") + entry.first;
    throw Error("Could not interpret regularizer identifier: '" + identifier + "'; expected one of: " + valid);
}

namespace regularizers {

json serialize(const std::shared_ptr<Regularizer>& regularizer) {
    if (!regularizer) return nullptr;
    return {{"class_name", regularizer->class_name()}, {"config", regularizer->get_config()}};
}

std::shared_ptr<Regularizer> deserialize(const json& config) {
    if (config.is_null()) return {};
    if (config.is_string()) return Regularizer::get(config.get<std::string>());
    const std::string where = "regularizers::deserialize";
    const detail::ClassConfig c = detail::read_class_config(config, where);
    auto factor = [&](const char* key, double fallback) { return detail::config_number(c, key, fallback, where); };
    if (c.class_name == "L1" || c.class_name == "l1") {
        detail::check_config_keys(c, {"l1"}, where);
        return std::make_shared<L1>(factor("l1", 0.01));
    }
    if (c.class_name == "L2" || c.class_name == "l2") {
        detail::check_config_keys(c, {"l2"}, where);
        return std::make_shared<L2>(factor("l2", 0.01));
    }
    if (c.class_name == "L1L2" || c.class_name == "l1_l2") {
        detail::check_config_keys(c, {"l1", "l2"}, where);
        return std::make_shared<L1L2>(L1L2Options{.l1 = factor("l1", 0.0), .l2 = factor("l2", 0.0)});
    }
    throw Error(where + ": unknown regularizer class '" + c.class_name + "'; expected one of: L1, L1L2, L2");
}

L1::L1(double l1) : l1_(checked_factor("L1", "l1", l1)) {}
Tensor L1::operator()(const Tensor& x) const { return penalty(x, l1_, 0.0); }
json L1::get_config() const { return {{"l1", l1_}}; }

L2::L2(double l2) : l2_(checked_factor("L2", "l2", l2)) {}
Tensor L2::operator()(const Tensor& x) const { return penalty(x, 0.0, l2_); }
json L2::get_config() const { return {{"l2", l2_}}; }

L1L2::L1L2(L1L2Options options) : options_(options) {
    checked_factor("L1L2", "l1", options_.l1);
    checked_factor("L1L2", "l2", options_.l2);
}
Tensor L1L2::operator()(const Tensor& x) const { return penalty(x, options_.l1, options_.l2); }
json L1L2::get_config() const { return {{"l1", options_.l1}, {"l2", options_.l2}}; }

}  // namespace regularizers
}  // namespace kx
