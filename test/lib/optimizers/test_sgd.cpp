#include "optimizer_steps.hpp"

using namespace optimizer_test;
using kx::optimizers::SGD;

TEST_CASE("SGD without momentum subtracts learning_rate * gradient", "[optimizers]") {
    SGD sgd(0.1);
    auto w = variable(w0);
    run_steps(sgd, w, grads);
    std::vector<double> expected = w0;
    for (const auto& g : grads)
        for (std::size_t i = 0; i < 3; ++i) expected[i] -= 0.1 * g[i];
    check_values(w, expected);
    CHECK(sgd.iterations() == 2);
    CHECK(sgd.variables().empty());   // no momentum, no slots
}

TEST_CASE("SGD with momentum follows velocity = momentum * velocity - lr * g; w += velocity", "[optimizers]") {
    SGD sgd({.learning_rate = 0.1, .momentum = 0.9});
    auto w = variable(w0);
    run_steps(sgd, w, grads);
    std::vector<double> expected = w0, velocity(3, 0.0);
    for (const auto& g : grads)
        for (std::size_t i = 0; i < 3; ++i) {
            velocity[i] = 0.9 * velocity[i] - 0.1 * g[i];
            expected[i] += velocity[i];
        }
    check_values(w, expected);
    REQUIRE(sgd.variables().size() == 1);
    CHECK(sgd.variables()[0].name() == "dense_kernel_momentum");
    check_values(sgd.variables()[0], velocity);
}

TEST_CASE("SGD with nesterov momentum looks ahead: w += momentum * velocity - lr * g", "[optimizers]") {
    SGD sgd({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
    auto w = variable(w0);
    run_steps(sgd, w, grads);
    std::vector<double> expected = w0, velocity(3, 0.0);
    for (const auto& g : grads)
        for (std::size_t i = 0; i < 3; ++i) {
            velocity[i] = 0.9 * velocity[i] - 0.1 * g[i];
            expected[i] += 0.9 * velocity[i] - 0.1 * g[i];
        }
    check_values(w, expected);
}

TEST_CASE("SGD has Keras' defaults and config", "[optimizers]") {
    SGD sgd;
    CHECK(sgd.learning_rate() == Approx(0.01));
    CHECK(sgd.name() == "SGD");
    CHECK(sgd.class_name() == "SGD");
    const nlohmann::json config = sgd.get_config();
    CHECK(config["momentum"] == 0.0);
    CHECK(config["nesterov"] == false);
    CHECK(config["learning_rate"] == 0.01);
}

TEST_CASE("SGD rejects a momentum outside [0, 1]", "[optimizers]") {
    REQUIRE_THROWS_WITH(SGD({.momentum = 1.5}), Catch::Contains("SGD 'SGD'") && Catch::Contains("momentum in [0, 1]") &&
                                                    Catch::Contains("momentum=1.5"));
}
