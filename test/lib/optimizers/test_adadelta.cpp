#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::Adadelta;

TEST_CASE("Adadelta scales by the ratio of RMS updates to RMS gradients", "[optimizers]") {
    Adadelta adadelta({.learning_rate = 1.0, .rho = 0.9, .epsilon = 1e-6});
    auto w = variable(w0);
    run_steps(adadelta, w, grads);
    // Zeiler 2012, Algorithm 1, times Keras' learning rate:
    //   E[g^2] = rho E[g^2] + (1 - rho) g^2;  dx = -RMS[dx]_{t-1} / RMS[g]_t * g
    //   E[dx^2] = rho E[dx^2] + (1 - rho) dx^2;  w += lr * dx;  RMS[y] = sqrt(E[y^2] + epsilon)
    std::vector<double> expected = w0, eg2(3, 0.0), edx2(3, 0.0);
    for (const auto& g : grads)
        for (std::size_t i = 0; i < 3; ++i) {
            eg2[i] = 0.9 * eg2[i] + 0.1 * g[i] * g[i];
            const double dx = -std::sqrt(edx2[i] + 1e-6) / std::sqrt(eg2[i] + 1e-6) * g[i];
            edx2[i] = 0.9 * edx2[i] + 0.1 * dx * dx;
            expected[i] += 1.0 * dx;
        }
    check_values(w, expected);
    const auto slots = adadelta.variables();
    REQUIRE(slots.size() == 2);
    CHECK(slots[0].name() == "dense_kernel_accumulated_grad");
    CHECK(slots[1].name() == "dense_kernel_accumulated_delta_var");
    check_values(slots[1], edx2);
}

TEST_CASE("Adadelta has Keras' defaults", "[optimizers]") {
    const nlohmann::json config = Adadelta().get_config();
    CHECK(config["learning_rate"] == 0.001);
    CHECK(config["rho"] == 0.95);
    CHECK(config["epsilon"] == 1e-7);
    CHECK(config["name"] == "adadelta");
}
