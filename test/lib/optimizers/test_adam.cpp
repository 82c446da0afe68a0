#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::Adam;

namespace {
// Kingma & Ba, Algorithm 1 with the "epsilon hat" form Keras uses:
//   lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t);  w -= lr_t * m / (sqrt(v) + epsilon)
// amsgrad (Reddi et al.): v is replaced by the running maximum of v.
std::vector<double> adam_reference(double lr, double beta_1, double beta_2, double epsilon, bool amsgrad) {
    std::vector<double> w = w0, m(3, 0.0), v(3, 0.0), v_max(3, 0.0);
    for (std::size_t step = 0; step < grads.size(); ++step) {
        const double t = static_cast<double>(step + 1);
        const double lr_t = lr * std::sqrt(1 - std::pow(beta_2, t)) / (1 - std::pow(beta_1, t));
        for (std::size_t i = 0; i < 3; ++i) {
            const double g = grads[step][i];
            m[i] = beta_1 * m[i] + (1 - beta_1) * g;
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g;
            v_max[i] = std::max(v_max[i], v[i]);
            w[i] -= lr_t * m[i] / (std::sqrt(amsgrad ? v_max[i] : v[i]) + epsilon);
        }
    }
    return w;
}
}  // namespace

TEST_CASE("Adam matches the published update rule over two steps", "[optimizers]") {
    Adam adam({.learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.9});
    auto w = variable(w0);
    run_steps(adam, w, grads);
    check_values(w, adam_reference(0.1, 0.8, 0.9, 1e-7, false));
}

TEST_CASE("Adam with amsgrad divides by the running maximum of the second moment", "[optimizers]") {
    // Gradients shrinking sharply make v decrease, so the maximum differs from v at step 2.
    Adam adam({.learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.5, .amsgrad = true});
    auto w = variable(w0);
    run_steps(adam, w, grads);
    const std::vector<double> expected = adam_reference(0.1, 0.8, 0.5, 1e-7, true);
    check_values(w, expected);
    CHECK(std::abs(expected[0] - adam_reference(0.1, 0.8, 0.5, 1e-7, false)[0]) > 1e-3);   // the test can tell
    REQUIRE(adam.variables().size() == 3);
    CHECK(adam.variables()[2].name() == "dense_kernel_velocity_hat");
}

TEST_CASE("Adam(1e-3) and Adam({...}) construct with Keras' defaults", "[optimizers]") {
    Adam by_rate(1e-3);
    Adam by_options({.learning_rate = 1e-3, .amsgrad = true});
    Adam by_default;
    CHECK(by_rate.learning_rate() == Approx(1e-3));
    CHECK(by_default.learning_rate() == Approx(1e-3));
    const nlohmann::json config = by_options.get_config();
    CHECK(config["name"] == "adam");
    CHECK(config["beta_1"] == 0.9);
    CHECK(config["beta_2"] == 0.999);
    CHECK(config["epsilon"] == 1e-7);
    CHECK(config["amsgrad"] == true);
    CHECK(config["weight_decay"].is_null());
    CHECK(config["clipnorm"].is_null());
    CHECK(config["use_ema"] == false);
    kx::Handle<kx::Optimizer> handle = Adam(1e-3);   // what compile() receives
    CHECK(handle->class_name() == "Adam");
}

TEST_CASE("Adam rejects beta_1 outside [0, 1)", "[optimizers]") {
    REQUIRE_THROWS_WITH(Adam({.beta_1 = 1.0}), Catch::Contains("Adam 'adam'") && Catch::Contains("beta_1 in [0, 1)") &&
                                                   Catch::Contains("beta_1=1"));
}
