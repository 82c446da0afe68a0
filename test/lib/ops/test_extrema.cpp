#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

#include <cmath>
#include <limits>

using Catch::Matchers::Contains;
using kx::Tensor;

TEST_CASE("maximum and minimum pick the larger and the smaller of each pair", "[ops][extrema]") {
    const Tensor a({2, 3}, {1, -2, 3, 0.5f, 7, -1});
    const Tensor b({2, 3}, {2, -3, 3, 0.25f, 8, -4});
    check_values(kx::ops::maximum(a, b), {2, 3}, {2, -2, 3, 0.5f, 8, -1}, 0);
    check_values(kx::ops::minimum(a, b), {2, 3}, {1, -3, 3, 0.25f, 7, -4}, 0);
}

TEST_CASE("maximum and minimum broadcast like numpy", "[ops][extrema]") {
    const Tensor m({2, 3}, {1, 5, -2, 4, 0, 6});
    // (2, 3) against a row (3,): compared column by column.
    const Tensor row({3}, {2, 2, 2});
    check_values(kx::ops::maximum(m, row), {2, 3}, {2, 5, 2, 4, 2, 6}, 0);
    check_values(kx::ops::minimum(row, m), {2, 3}, {1, 2, -2, 2, 0, 2}, 0);
    // A column (2, 1) against a row (1, 3) gives their outer (2, 3) grid.
    const Tensor column({2, 1}, {0, 10});
    const Tensor cells({1, 3}, {-1, 5, 20});
    check_values(kx::ops::maximum(column, cells), {2, 3}, {0, 5, 20, 10, 10, 20}, 0);
    // A scalar: maximum(x, 0) is relu.
    check_values(kx::ops::maximum(m, Tensor::scalar(0)), {2, 3}, {1, 5, 0, 4, 0, 6}, 0);
    REQUIRE_THROWS_WITH(kx::ops::maximum(m, Tensor({2}, {1, 2})),
                        Contains("ops::maximum") && Contains("(2, 3)") && Contains("(2,)"));
    REQUIRE_THROWS_WITH(kx::ops::minimum(m, Tensor({4, 3})), Contains("ops::minimum") && Contains("(4, 3)"));
}

TEST_CASE("maximum and minimum propagate NaN from either operand", "[ops][extrema]") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const Tensor a({3}, {nan, 1, nan});
    const Tensor b({3}, {1, nan, nan});
    for (const Tensor& y : {kx::ops::maximum(a, b), kx::ops::minimum(a, b), kx::ops::maximum(b, a)})
        for (float v : y.to_vector()) CHECK(std::isnan(v));
}

TEST_CASE("the gradient of maximum and minimum goes to the picked operand, split on ties", "[ops][extrema]") {
    kx::Variable a("a", Tensor({4}, {1, 5, 3, -2}));
    kx::Variable b("b", Tensor({4}, {2, 4, 3, -2}));
    // Picked: b, a, tie, tie.
    auto grads = kx::GradientTape().gradient(kx::ops::sum(kx::ops::maximum(a, b)), {a, b});
    check_values(grads[0], {4}, {0, 1, 0.5f, 0.5f}, 0);
    check_values(grads[1], {4}, {1, 0, 0.5f, 0.5f}, 0);
    grads = kx::GradientTape().gradient(kx::ops::sum(kx::ops::minimum(a, b)), {a, b});
    check_values(grads[0], {4}, {1, 0, 0.5f, 0.5f}, 0);
    check_values(grads[1], {4}, {0, 1, 0.5f, 0.5f}, 0);

    // A broadcast operand sums the gradients of every element it was compared with:
    // maximum((2, 2), (2,)) picks the row in column 0 (3 > 1, 3 > 2) and the matrix in column 1.
    kx::Variable m("m", Tensor({2, 2}, {1, 5, 2, 6}));
    kx::Variable r("r", Tensor({2}, {3, 0}));
    grads = kx::GradientTape().gradient(kx::ops::sum(kx::ops::maximum(m, r)), {m, r});
    check_values(grads[0], {2, 2}, {0, 1, 0, 1}, 0);
    check_values(grads[1], {2}, {2, 0}, 0);
}

TEST_CASE("maximum and minimum pass the finite-difference gradient check", "[ops][extrema]") {
    // Values at least 0.1 apart wherever they are compared, so the 0.01 nudges never cross a tie.
    const Tensor a({2, 3}, {0.3f, -1.2f, 0.9f, 1.5f, -0.4f, 0.1f});
    const Tensor b({2, 3}, {-0.5f, 0.7f, 1.1f, 0.2f, -0.1f, 0.8f});
    const Tensor row({3}, {0.5f, -0.6f, 0.35f});
    const Tensor column({2, 1}, {0.45f, -0.25f});
    for (auto op : {kx::ops::maximum, kx::ops::minimum}) {
        require_gradients([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {a, b});
        require_gradients([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {a, row});
        require_gradients([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {column, a});
        require_gradients([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {row, column});
    }
}
