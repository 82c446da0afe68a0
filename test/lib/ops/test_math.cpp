#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

#include <cmath>

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
// Every value within 1e-6 of the expectation.
void require_values(const Tensor& t, const kx::Shape& shape, const std::vector<float>& expected) {
    check_values(t, shape, expected, 1e-6);
}

void require_gradients(const kx::testing::Function& f, const Tensor& x) {
    const auto result = kx::testing::check_gradients(f, {x});
    INFO(result.report);
    REQUIRE(result.ok);
}

// d(sum(f(x)))/dx, through autograd.
Tensor gradient_of_sum(Tensor (*f)(const Tensor&), const Tensor& x) {
    kx::Variable v("x", x);
    kx::backward(kx::ops::sum(f(v)));
    return v.grad();
}

const Tensor positive({2, 2}, {0.3f, 1.0f, 2.5f, 4.0f});
const Tensor mixed({2, 3}, {-1.5f, -0.4f, 0.2f, 0.7f, 1.3f, 2.1f});
}  // namespace

TEST_CASE("exp, log, sqrt and square compute their values elementwise", "[ops][math]") {
    const Tensor x({3}, {0, 1, -1});
    require_values(kx::ops::exp(x), {3}, {1, 2.7182817f, 0.36787944f});
    require_values(kx::ops::log(Tensor({3}, {1, 2.7182817f, 0.5f})), {3}, {0, 1, -0.69314718f});
    require_values(kx::ops::sqrt(Tensor({3}, {0, 4, 2})), {3}, {0, 2, 1.4142135f});
    require_values(kx::ops::square(Tensor({2, 2}, {-3, 0.5f, 0, 2})), {2, 2}, {9, 0.25f, 0, 4});
}

TEST_CASE("pow raises to a float exponent", "[ops][math]") {
    const Tensor x({3}, {2, 0.5f, 9});
    require_values(kx::ops::pow(x, 3), {3}, {8, 0.125f, 729});
    require_values(kx::ops::pow(x, 0.5f), {3}, {1.4142135f, 0.70710678f, 3});
    require_values(kx::ops::pow(x, -1), {3}, {0.5f, 2, 0.11111111f});
    require_values(kx::ops::pow(x, 0), {3}, {1, 1, 1});
}

TEST_CASE("abs and clip compute their values elementwise", "[ops][math]") {
    const Tensor x({5}, {-2, -1, 0.5f, 1, 3});
    require_values(kx::ops::abs(x), {5}, {2, 1, 0.5f, 1, 3});
    require_values(kx::ops::clip(x, -1, 1), {5}, {-1, -1, 0.5f, 1, 1});
    require_values(kx::ops::clip(x, 0, 0), {5}, {0, 0, 0, 0, 0});
}

TEST_CASE("clip passes the gradient inside [min, max], bounds included, and blocks it outside", "[ops][math]") {
    kx::Variable x("x", Tensor({5}, {-2, -1, 0.5f, 1, 3}));
    kx::backward(kx::ops::sum(kx::ops::clip(x, -1, 1)));
    require_values(x.grad(), {5}, {0, 1, 1, 1, 0});
}

TEST_CASE("abs has gradient sign(x), 0 at 0; pow with exponent 0 has gradient 0 even at 0", "[ops][math]") {
    require_values(gradient_of_sum(kx::ops::abs, Tensor({3}, {-2, 0, 3})), {3}, {-1, 0, 1});
    kx::Variable x("x", Tensor({2}, {0, 2}));
    kx::backward(kx::ops::sum(kx::ops::pow(x, 0)));
    require_values(x.grad(), {2}, {0, 0});
}

TEST_CASE("elementwise math gradients have their closed forms", "[ops][math]") {
    const Tensor x({3}, {0.5f, 1, 4});
    require_values(gradient_of_sum(kx::ops::exp, x), {3}, {1.6487213f, 2.7182817f, 54.59815f});
    require_values(gradient_of_sum(kx::ops::log, x), {3}, {2, 1, 0.25f});
    require_values(gradient_of_sum(kx::ops::sqrt, x), {3}, {0.70710678f, 0.5f, 0.25f});
    require_values(gradient_of_sum(kx::ops::square, x), {3}, {1, 2, 8});
    kx::Variable v("v", x);
    kx::backward(kx::ops::sum(kx::ops::pow(v, 1.5f)));   // 1.5 sqrt(x)
    require_values(v.grad(), {3}, {1.0606601f, 1.5f, 3});
}

TEST_CASE("elementwise math gradients match finite differences", "[ops][math]") {
    using In = const std::vector<Tensor>&;
    require_gradients([](In in) { return kx::ops::exp(in[0]); }, mixed);
    require_gradients([](In in) { return kx::ops::log(in[0]); }, positive);
    require_gradients([](In in) { return kx::ops::sqrt(in[0]); }, positive);
    require_gradients([](In in) { return kx::ops::square(in[0]); }, mixed);
    require_gradients([](In in) { return kx::ops::pow(in[0], 3.0f); }, mixed);
    require_gradients([](In in) { return kx::ops::pow(in[0], -0.5f); }, positive);
    require_gradients([](In in) { return kx::ops::pow(in[0], 2.5f); }, positive);
    require_gradients([](In in) { return kx::ops::abs(in[0]); }, mixed);
    require_gradients([](In in) { return kx::ops::clip(in[0], -1.0f, 1.0f); }, mixed);
}

TEST_CASE("clip with min_value > max_value is an error", "[ops][math]") {
    REQUIRE_THROWS_WITH(kx::ops::clip(mixed, 1, -1),
                        Contains("ops::clip: expected min_value <= max_value, got min_value=1 and max_value=-1"));
}
