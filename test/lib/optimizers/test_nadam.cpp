#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::Nadam;

namespace {
// Dozat 2016 with Keras' momentum schedule mu_t = beta_1 (1 - 0.5 * 0.96^t):
//   m_hat = mu_{t+1} m / (1 - prod_{i<=t+1} mu_i) + (1 - mu_t) g / (1 - prod_{i<=t} mu_i)
//   v_hat = v / (1 - beta_2^t);  w -= lr * m_hat / (sqrt(v_hat) + epsilon)
std::vector<double> nadam_reference(double lr, double beta_1, double beta_2, std::size_t steps) {
    auto mu = [&](double t) { return beta_1 * (1 - 0.5 * std::pow(0.96, t)); };
    std::vector<double> w = w0, m(3, 0.0), v(3, 0.0);
    double mu_product = 1.0;
    for (std::size_t step = 0; step < steps; ++step) {
        const double t = static_cast<double>(step + 1);
        mu_product *= mu(t);
        const double mu_product_next = mu_product * mu(t + 1);
        for (std::size_t i = 0; i < 3; ++i) {
            const double g = grads[step % grads.size()][i];
            m[i] = beta_1 * m[i] + (1 - beta_1) * g;
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g;
            const double m_hat = mu(t + 1) * m[i] / (1 - mu_product_next) + (1 - mu(t)) * g / (1 - mu_product);
            const double v_hat = v[i] / (1 - std::pow(beta_2, t));
            w[i] -= lr * m_hat / (std::sqrt(v_hat) + 1e-7);
        }
    }
    return w;
}
}  // namespace

TEST_CASE("Nadam matches Dozat's update with Keras' momentum schedule over two steps", "[optimizers]") {
    Nadam nadam({.learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.9});
    auto w = variable(w0);
    run_steps(nadam, w, grads);
    check_values(w, nadam_reference(0.1, 0.8, 0.9, 2));
}

TEST_CASE("Nadam recomputes its momentum product when iterations are restored", "[optimizers]") {
    // A fresh optimizer restored to iteration 1 with the first step's slots continues exactly.
    Nadam first({.learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.9});
    auto w = variable(w0);
    run_steps(first, w, {grads[0]});
    Nadam resumed({.learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.9});
    resumed.build({w});
    for (std::size_t k = 0; k < 2; ++k) resumed.variables()[k].assign(first.variables()[k]);
    resumed.set_iterations(1);
    run_steps(resumed, w, {grads[1]});
    check_values(w, nadam_reference(0.1, 0.8, 0.9, 2));
}
