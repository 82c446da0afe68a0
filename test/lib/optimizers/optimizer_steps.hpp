// Test helpers: a variable with a chosen gradient, optimizer steps on it, and a comparison with
// values computed in double from the published update rules.
#pragma once

#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace optimizer_test {

// Sets the accumulated gradient directly, as backward() would leave it.
inline void set_grad(const kx::Variable& v, const std::vector<double>& g) {
    kx::detail::TensorImpl& impl = *v.impl();
    if (!impl.grad) impl.grad = std::make_shared<kx::detail::Storage>(impl.storage->size());
    REQUIRE(g.size() == impl.storage->size());
    for (std::size_t i = 0; i < g.size(); ++i) impl.grad->data()[i] = static_cast<float>(g[i]);
}

inline kx::Variable variable(const std::vector<double>& values, const std::string& name = "dense/kernel") {
    std::vector<float> f(values.begin(), values.end());
    return kx::Variable(name, kx::Tensor({f.size()}, f));
}

// One apply_gradients per gradient in `grads`.
inline void run_steps(kx::Optimizer& optimizer, const kx::Variable& w, const std::vector<std::vector<double>>& grads) {
    for (const auto& g : grads) {
        set_grad(w, g);
        optimizer.apply_gradients({w});
    }
}

// float32 arithmetic against the double reference: relative 1e-5, absolute 1e-7.
inline void check_values(const kx::Tensor& actual, const std::vector<double>& expected, double relative = 1e-5) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(actual.data()[i] == Approx(expected[i]).epsilon(relative).margin(1e-7));
    }
}

// The fixture most tests use: three weights, two steps with different gradients.
inline const std::vector<double> w0 = {1.0, -2.0, 0.5};
inline const std::vector<std::vector<double>> grads = {{0.1, -0.2, 0.3}, {-0.05, 0.4, 0.2}};

}  // namespace optimizer_test
