#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
const Tensor m23({2, 3}, {1, 2, 3,
                          4, 5, 6});
}  // namespace

TEST_CASE("repeat repeats each element in place, like numpy (not tiling)", "[ops][repeat][pool-reshape]") {
    check_values(kx::ops::repeat(m23, 2, 1), {2, 6}, {1, 1, 2, 2, 3, 3,
                                                      4, 4, 5, 5, 6, 6}, 0);
    check_values(kx::ops::repeat(m23, 3, 0), {6, 3}, {1, 2, 3, 1, 2, 3, 1, 2, 3,
                                                      4, 5, 6, 4, 5, 6, 4, 5, 6}, 0);
    check_values(kx::ops::repeat(m23, 2, -1), {2, 6}, {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}, 0);
}

TEST_CASE("repeat along a middle axis copies whole inner blocks", "[ops][repeat][pool-reshape]") {
    // (1, 2, 2): each row of two features appears twice.
    check_values(kx::ops::repeat(Tensor({1, 2, 2}, {1, 2, 3, 4}), 2, 1), {1, 4, 2}, {1, 2, 1, 2, 3, 4, 3, 4}, 0);
}

TEST_CASE("repeat once is a copy and zero times empties the axis", "[ops][repeat][pool-reshape]") {
    check_values(kx::ops::repeat(m23, 1, 0), {2, 3}, m23.to_vector(), 0);
    CHECK(kx::ops::repeat(m23, 0, 1).shape() == kx::Shape{2, 0});
}

TEST_CASE("repeat sums the gradients of the copies", "[ops][repeat][pool-reshape]") {
    const kx::Variable x("x", m23);
    // y (2, 9) = repeat(x, 3, 1); seed dy = 1..18 row-major: x[r, j] gets dy[r, 3j] + dy[r, 3j+1] + dy[r, 3j+2].
    Tensor dy = Tensor::empty({2, 9});
    for (std::size_t i = 0; i < 18; ++i) dy.data()[i] = static_cast<float>(i + 1);
    kx::backward(kx::ops::repeat(x, 3, 1), dy);
    check_values(x.grad(), {2, 3}, {6, 15, 24,
                                    33, 42, 51}, 0);
}

TEST_CASE("repeat matches finite differences", "[ops][repeat][pool-reshape]") {
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::repeat(in[0], 2, 1); }, {ramp({2, 3, 2})});
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::repeat(in[0], 3, -1); }, {ramp({2, 3})});
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::repeat(in[0], 2, 0); }, {ramp({2, 2})});
}

TEST_CASE("repeat along an axis out of range is an error with the rank", "[ops][repeat][pool-reshape]") {
    REQUIRE_THROWS_WITH(kx::ops::repeat(m23, 2, 2),
                        Contains("ops::repeat: axis 2 is out of range for a tensor of rank 2 (shape (2, 3))"));
}
