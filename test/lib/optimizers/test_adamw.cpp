#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::AdamW;

TEST_CASE("AdamW decays weights by lr * weight_decay before each Adam update", "[optimizers]") {
    AdamW adamw({.learning_rate = 0.1, .weight_decay = 0.5, .beta_1 = 0.8, .beta_2 = 0.9});
    auto w = variable(w0);
    run_steps(adamw, w, grads);
    // Loshchilov & Hutter, decoupled: w -= lr * wd * w, then Keras' Adam step.
    std::vector<double> expected = w0, m(3, 0.0), v(3, 0.0);
    for (std::size_t step = 0; step < 2; ++step) {
        const double t = static_cast<double>(step + 1);
        const double lr_t = 0.1 * std::sqrt(1 - std::pow(0.9, t)) / (1 - std::pow(0.8, t));
        for (std::size_t i = 0; i < 3; ++i) {
            const double g = grads[step][i];
            expected[i] -= expected[i] * 0.5 * 0.1;
            m[i] = 0.8 * m[i] + 0.2 * g;
            v[i] = 0.9 * v[i] + 0.1 * g * g;
            expected[i] -= lr_t * m[i] / (std::sqrt(v[i]) + 1e-7);
        }
    }
    check_values(w, expected);
}

TEST_CASE("AdamW defaults to weight_decay 0.004 and writes it in its config", "[optimizers]") {
    AdamW adamw(1e-3);
    CHECK(adamw.class_name() == "AdamW");
    const nlohmann::json config = adamw.get_config();
    CHECK(config["name"] == "adamw");
    CHECK(config["weight_decay"] == 0.004);
    CHECK(config["learning_rate"] == 1e-3);
    REQUIRE_THROWS_WITH(AdamW({.weight_decay = -1.0}), Catch::Contains("weight_decay >= 0"));
}
