#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::Adagrad;

TEST_CASE("Adagrad divides by the root of the summed squared gradients", "[optimizers]") {
    Adagrad adagrad({.learning_rate = 0.1, .initial_accumulator_value = 0.2});
    auto w = variable(w0);
    run_steps(adagrad, w, grads);
    // Duchi et al.: a += g^2 (from the initial value);  w -= lr * g / sqrt(a + epsilon)
    std::vector<double> expected = w0, a(3, 0.2);
    for (const auto& g : grads)
        for (std::size_t i = 0; i < 3; ++i) {
            a[i] += g[i] * g[i];
            expected[i] -= 0.1 * g[i] / std::sqrt(a[i] + 1e-7);
        }
    check_values(w, expected);
    REQUIRE(adagrad.variables().size() == 1);
    CHECK(adagrad.variables()[0].name() == "dense_kernel_accumulator");
    check_values(adagrad.variables()[0], a);
}

TEST_CASE("Adagrad starts its accumulator at initial_accumulator_value (0.1 by default)", "[optimizers]") {
    Adagrad adagrad;
    auto w = variable(w0);
    adagrad.build({w});
    check_values(adagrad.variables()[0], {0.1, 0.1, 0.1});
    CHECK(adagrad.get_config()["initial_accumulator_value"] == 0.1);
    REQUIRE_THROWS_WITH(Adagrad({.initial_accumulator_value = -1.0}), Catch::Contains("initial_accumulator_value"));
}
