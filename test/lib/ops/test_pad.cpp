#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
const Tensor m23({2, 3}, {1, 2, 3,
                          4, 5, 6});
}  // namespace

TEST_CASE("pad surrounds a matrix with zeros, before and after each axis", "[ops][pad][pool-reshape]") {
    check_values(kx::ops::pad(m23, {{1, 0}, {0, 2}}), {3, 5}, {0, 0, 0, 0, 0,
                                                               1, 2, 3, 0, 0,
                                                               4, 5, 6, 0, 0}, 0);
    check_values(kx::ops::pad(m23, {{0, 0}, {0, 0}}), {2, 3}, m23.to_vector(), 0);
}

TEST_CASE("pad fills with a given constant", "[ops][pad][pool-reshape]") {
    check_values(kx::ops::pad(Tensor({2}, {7, 8}), {{2, 1}}, -1.5f), {5}, {-1.5f, -1.5f, 7, 8, -1.5f}, 0);
}

TEST_CASE("pad places an NHWC image inside its spatial border", "[ops][pad][pool-reshape]") {
    // (1, 2, 2, 2) padded by one row on top, one column on each side: (1, 3, 4, 2).
    const Tensor x({1, 2, 2, 2}, {1, 2, 3, 4,
                                  5, 6, 7, 8});
    check_values(kx::ops::pad(x, {{0, 0}, {1, 0}, {1, 1}, {0, 0}}), {1, 3, 4, 2},
                 {0, 0, 0, 0, 0, 0, 0, 0,
                  0, 0, 1, 2, 3, 4, 0, 0,
                  0, 0, 5, 6, 7, 8, 0, 0}, 0);
}

TEST_CASE("pad handles padded axes after a size-1 axis and empty inputs", "[ops][pad][pool-reshape]") {
    // The last input axis has size 1 but grows to 3: rows of x land 3 apart in y.
    check_values(kx::ops::pad(Tensor({3, 1}, {1, 2, 3}), {{0, 0}, {1, 1}}), {3, 3}, {0, 1, 0,
                                                                                      0, 2, 0,
                                                                                      0, 3, 0}, 0);
    check_values(kx::ops::pad(Tensor({0, 2}), {{1, 0}, {0, 1}}, 4.0f), {1, 3}, {4, 4, 4}, 0);
}

TEST_CASE("pad passes the gradient of the interior back and drops the border's", "[ops][pad][pool-reshape]") {
    const kx::Variable x("x", Tensor({1, 2}, {1, 2}));
    // y (2, 4) = pad(x, ((1, 0), (1, 1))); seed dy = 1..8: x's elements sit at y[1, 1] and y[1, 2].
    kx::backward(kx::ops::pad(x, {{1, 0}, {1, 1}}), Tensor({2, 4}, {1, 2, 3, 4,
                                                                   5, 6, 7, 8}));
    check_values(x.grad(), {1, 2}, {6, 7}, 0);
}

TEST_CASE("pad matches finite differences", "[ops][pad][pool-reshape]") {
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::pad(in[0], {{0, 0}, {1, 2}, {2, 1}, {0, 0}}); },
                      {ramp({2, 2, 3, 2})});
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::pad(in[0], {{0, 1}, {1, 1}}, 0.5f); },
                      {ramp({3, 1})});
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::pad(in[0], {{1, 0}, {0, 0}, {0, 3}}); },
                      {ramp({2, 3, 2})});
}

TEST_CASE("pad with one pair per axis missing is an error naming the shape", "[ops][pad][pool-reshape]") {
    REQUIRE_THROWS_WITH(kx::ops::pad(m23, {{1, 1}}),
                        Contains("ops::pad: expected one (before, after) pair per axis of the input of shape (2, 3) "
                                 "(2 pairs), got 1: ((1, 1),)"));
    REQUIRE_THROWS_WITH(kx::ops::pad(m23, {{0, 0}, {1, 1}, {2, 2}}), Contains("got 3: ((0, 0), (1, 1), (2, 2))"));
}
