// The activation registry: one explicit table from Keras names to kx::ops functions.
#include <kerasxx/activations.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <array>
#include <utility>

namespace kx::activations {

namespace {
using Entry = std::pair<const char*, Tensor (*)(const Tensor&)>;

const std::array<Entry, 16>& table() {
    static const std::array<Entry, 16> entries{{
        {"linear", [](const Tensor& x) { return x; }},
        {"relu", [](const Tensor& x) { return ops::relu(x); }},
        {"leaky_relu", [](const Tensor& x) { return ops::leaky_relu(x); }},
        {"elu", [](const Tensor& x) { return ops::elu(x); }},
        {"selu", [](const Tensor& x) { return ops::selu(x); }},
        {"gelu", [](const Tensor& x) { return ops::gelu(x); }},
        {"sigmoid", [](const Tensor& x) { return ops::sigmoid(x); }},
        {"hard_sigmoid", [](const Tensor& x) { return ops::hard_sigmoid(x); }},
        {"tanh", [](const Tensor& x) { return ops::tanh(x); }},
        {"softplus", [](const Tensor& x) { return ops::softplus(x); }},
        {"softsign", [](const Tensor& x) { return ops::softsign(x); }},
        {"silu", [](const Tensor& x) { return ops::silu(x); }},
        {"swish", [](const Tensor& x) { return ops::silu(x); }},
        {"softmax", [](const Tensor& x) { return ops::softmax(x); }},
        {"log_softmax", [](const Tensor& x) { return ops::log_softmax(x); }},
        {"exponential", [](const Tensor& x) { return ops::exp(x); }},
    }};
    return entries;
}
}  // namespace

ActivationFunction get(const std::string& identifier) {
    for (const auto& [name, fn] : table())
        if (identifier == name) return fn;
    std::string valid;
    for (const auto& [name, fn] : table()) valid += (valid.empty() ? "" : ", ") + std::string(name);
    throw Error("activations::get: unknown activation '" + identifier + "'; expected one of: " + valid);
}

std::vector<std::string> names() {
    std::vector<std::string> result;
    for (const auto& [name, fn] : table()) result.emplace_back(name);
    return result;
}

}  // namespace kx::activations
