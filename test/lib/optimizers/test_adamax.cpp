#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::Adamax;

TEST_CASE("Adamax divides by the exponentially weighted infinity norm", "[optimizers]") {
    Adamax adamax({.learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.9});
    auto w = variable(w0);
    run_steps(adamax, w, grads);
    // Kingma & Ba, Algorithm 2: m = b1 m + (1 - b1) g;  u = max(b2 u, |g|);
    //   w -= lr / (1 - b1^t) * m / (u + epsilon)   (Keras adds epsilon to u)
    std::vector<double> expected = w0, m(3, 0.0), u(3, 0.0);
    for (std::size_t step = 0; step < 2; ++step) {
        const double t = static_cast<double>(step + 1);
        for (std::size_t i = 0; i < 3; ++i) {
            const double g = grads[step][i];
            m[i] = 0.8 * m[i] + 0.2 * g;
            u[i] = std::max(0.9 * u[i], std::abs(g));
            expected[i] -= 0.1 / (1 - std::pow(0.8, t)) * m[i] / (u[i] + 1e-7);
        }
    }
    check_values(w, expected);
    const auto slots = adamax.variables();
    REQUIRE(slots.size() == 2);
    CHECK(slots[0].name() == "dense_kernel_m");
    check_values(slots[1], u);
}

TEST_CASE("Adamax has Keras' defaults", "[optimizers]") {
    const nlohmann::json config = Adamax().get_config();
    CHECK(config["name"] == "adamax");
    CHECK(config["beta_1"] == 0.9);
    CHECK(config["beta_2"] == 0.999);
    CHECK(config["epsilon"] == 1e-7);
}
