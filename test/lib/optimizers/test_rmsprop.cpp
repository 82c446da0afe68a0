#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::RMSprop;

namespace {
// Hinton's RMSprop as Keras writes it (epsilon inside the square root); centered (Graves 2013)
// divides by the variance estimate v - mean(g)^2; momentum accumulates the increments.
std::vector<double> rmsprop_reference(double lr, double rho, double momentum, bool centered) {
    const double epsilon = 1e-7;
    std::vector<double> w = w0, v(3, 0.0), mean_g(3, 0.0), velocity(3, 0.0);
    for (const auto& g : grads)
        for (std::size_t i = 0; i < 3; ++i) {
            v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
            mean_g[i] = rho * mean_g[i] + (1 - rho) * g[i];
            const double denominator = centered ? v[i] - mean_g[i] * mean_g[i] + epsilon : v[i] + epsilon;
            const double increment = lr * g[i] / std::sqrt(denominator);
            velocity[i] = momentum * velocity[i] + increment;
            w[i] -= momentum > 0 ? velocity[i] : increment;
        }
    return w;
}
}  // namespace

TEST_CASE("RMSprop divides by the root of a moving average of squared gradients", "[optimizers]") {
    RMSprop rmsprop({.learning_rate = 0.01, .rho = 0.8});
    auto w = variable(w0);
    run_steps(rmsprop, w, grads);
    check_values(w, rmsprop_reference(0.01, 0.8, 0.0, false));
    CHECK(rmsprop.variables().size() == 1);
}

TEST_CASE("Centered RMSprop divides by the root of the gradient's variance", "[optimizers]") {
    RMSprop rmsprop({.learning_rate = 0.01, .rho = 0.8, .centered = true});
    auto w = variable(w0);
    run_steps(rmsprop, w, grads);
    check_values(w, rmsprop_reference(0.01, 0.8, 0.0, true), 1e-4);
    REQUIRE(rmsprop.variables().size() == 2);
    CHECK(rmsprop.variables()[1].name() == "dense_kernel_average_gradient");
}

TEST_CASE("RMSprop with momentum accumulates its increments", "[optimizers]") {
    RMSprop rmsprop({.learning_rate = 0.01, .rho = 0.8, .momentum = 0.5, .centered = true});
    auto w = variable(w0);
    run_steps(rmsprop, w, grads);
    check_values(w, rmsprop_reference(0.01, 0.8, 0.5, true), 1e-4);
    CHECK(rmsprop.variables().size() == 3);
}

TEST_CASE("RMSprop has Keras' defaults and rejects rho outside [0, 1]", "[optimizers]") {
    const nlohmann::json config = RMSprop().get_config();
    CHECK(config["name"] == "rmsprop");
    CHECK(config["learning_rate"] == 0.001);
    CHECK(config["rho"] == 0.9);
    CHECK(config["momentum"] == 0.0);
    CHECK(config["epsilon"] == 1e-7);
    CHECK(config["centered"] == false);
    REQUIRE_THROWS_WITH(RMSprop({.rho = -0.1}), Catch::Contains("rho in [0, 1]") && Catch::Contains("rho=-0.1"));
}
