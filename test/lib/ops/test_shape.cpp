#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
// Every value within 1e-6 of the expectation.
void require_values(const Tensor& t, const kx::Shape& shape, const std::vector<float>& expected) {
    check_values(t, shape, expected, 1e-6);
}

const Tensor m23({2, 3}, {1, 2, 3, 4, 5, 6});
const Tensor a234 = kx::ops::reshape(Tensor::arange(24), {2, 3, 4});
}  // namespace

TEST_CASE("reshape keeps the row-major order and infers one None dimension", "[ops][shape]") {
    require_values(kx::ops::reshape(m23, {3, 2}), {3, 2}, {1, 2, 3, 4, 5, 6});
    require_values(kx::ops::reshape(m23, {kx::None}), {6}, {1, 2, 3, 4, 5, 6});
    require_values(kx::ops::reshape(m23, {kx::None, 3, 1}), {2, 3, 1}, {1, 2, 3, 4, 5, 6});
    require_values(kx::ops::reshape(Tensor::scalar(5), {1, 1}), {1, 1}, {5});
}

TEST_CASE("reshape shares the input's storage instead of copying", "[ops][shape]") {
    const Tensor y = kx::ops::reshape(m23, {6});
    CHECK(y.data() == m23.data());
}

TEST_CASE("reshape to an incompatible shape is an error with both shapes", "[ops][shape]") {
    REQUIRE_THROWS_WITH(kx::ops::reshape(m23, {4, 2}),
                        Contains("ops::reshape: cannot reshape (2, 3) (6 elements) into (4, 2) (8 elements)"));
    REQUIRE_THROWS_WITH(kx::ops::reshape(m23, {4, kx::None}),
                        Contains("ops::reshape: cannot reshape (2, 3) (6 elements) into (4, None)"));
    REQUIRE_THROWS_WITH(kx::ops::reshape(m23, {kx::None, kx::None}),
                        Contains("ops::reshape: only one dimension can be None (inferred), got (None, None)"));
}

TEST_CASE("transpose reverses the axes by default and follows perm otherwise", "[ops][shape]") {
    require_values(kx::ops::transpose(m23), {3, 2}, {1, 4, 2, 5, 3, 6});
    const Tensor t = kx::ops::transpose(a234, {1, 0, 2});
    REQUIRE(t.shape() == kx::Shape{3, 2, 4});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k) CHECK(t.at({j, i, k}) == a234.at({i, j, k}));
    const Tensor r = kx::ops::transpose(a234, {-1, 0, 1});
    REQUIRE(r.shape() == kx::Shape{4, 2, 3});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k) CHECK(r.at({k, i, j}) == a234.at({i, j, k}));
    require_values(kx::ops::transpose(a234, {0, 1, 2}), {2, 3, 4}, a234.to_vector());
}

TEST_CASE("transpose with a perm that is not a permutation is an error", "[ops][shape]") {
    REQUIRE_THROWS_WITH(kx::ops::transpose(m23, {0, 0}),
                        Contains("ops::transpose: expected perm to be a permutation of the 2 axes of shape (2, 3), "
                                 "got (0, 0)"));
    REQUIRE_THROWS_WITH(kx::ops::transpose(m23, {0, 1, 2}), Contains("got (0, 1, 2)"));
    REQUIRE_THROWS_WITH(kx::ops::transpose(m23, {2, 0}), Contains("got (2, 0)"));
}

TEST_CASE("concat joins tensors along any axis", "[ops][shape]") {
    const Tensor b({1, 3}, {7, 8, 9});
    require_values(kx::ops::concat({m23, b}, 0), {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const Tensor c({2, 1}, {-1, -2});
    require_values(kx::ops::concat({c, m23, c}, 1), {2, 5}, {-1, 1, 2, 3, -1, -2, 4, 5, 6, -2});
    require_values(kx::ops::concat({m23, c}, -1), {2, 4}, {1, 2, 3, -1, 4, 5, 6, -2});
    require_values(kx::ops::concat({m23}, 0), {2, 3}, {1, 2, 3, 4, 5, 6});
}

TEST_CASE("concat of mismatched tensors is an error naming the offending input", "[ops][shape]") {
    REQUIRE_THROWS_WITH(kx::ops::concat({m23, Tensor({4})}, 1),
                        Contains("ops::concat: expected tensors of rank 2 like input 0 (2, 3), got input 1 with shape (4,)"));
    REQUIRE_THROWS_WITH(kx::ops::concat({m23, Tensor({3, 3})}, 1),
                        Contains("ops::concat: expected input 1 to match input 0 (2, 3) on every axis except axis 1, "
                                 "got shape (3, 3)"));
    REQUIRE_THROWS_WITH(kx::ops::concat({}, 0), Contains("ops::concat: expected at least one tensor"));
    REQUIRE_THROWS_WITH(kx::ops::concat({m23, m23}, 2), Contains("ops::concat: axis 2 is out of range"));
    REQUIRE_THROWS_WITH(kx::ops::concat({Tensor::scalar(1)}, 0), Contains("cannot concatenate scalars"));
}

TEST_CASE("slice takes [start, stop) along one axis", "[ops][shape]") {
    require_values(kx::ops::slice(m23, 1, 1, 3), {2, 2}, {2, 3, 5, 6});
    require_values(kx::ops::slice(m23, 0, 1, 2), {1, 3}, {4, 5, 6});
    require_values(kx::ops::slice(m23, -1, 0, 1), {2, 1}, {1, 4});
    require_values(kx::ops::slice(m23, 1, 2, 2), {2, 0}, {});
    require_values(kx::ops::slice(a234, 1, 2, 3), {2, 1, 4}, {8, 9, 10, 11, 20, 21, 22, 23});
}

TEST_CASE("slice out of range is an error with the valid range", "[ops][shape]") {
    REQUIRE_THROWS_WITH(kx::ops::slice(m23, 1, 2, 4),
                        Contains("ops::slice: expected 0 <= start <= stop <= 3 along axis 1 of shape (2, 3), "
                                 "got start=2 stop=4"));
    REQUIRE_THROWS_WITH(kx::ops::slice(m23, 0, 2, 1), Contains("got start=2 stop=1"));
    REQUIRE_THROWS_WITH(kx::ops::slice(m23, 2, 0, 1), Contains("ops::slice: axis 2 is out of range"));
}

TEST_CASE("shape op gradients match finite differences", "[ops][shape]") {
    using In = const std::vector<Tensor>&;
    const Tensor x = kx::ops::multiply(a234, Tensor::scalar(0.1f));
    require_gradients([](In in) { return kx::ops::reshape(in[0], {4, kx::None}); }, {x});
    require_gradients([](In in) { return kx::ops::transpose(in[0]); }, {x});
    require_gradients([](In in) { return kx::ops::transpose(in[0], {1, 0, 2}); }, {x});
    require_gradients([](In in) { return kx::ops::transpose(in[0], {0, 2, 1}); }, {x});
    require_gradients([](In in) { return kx::ops::slice(in[0], 1, 1, 3); }, {x});
    require_gradients([](In in) { return kx::ops::slice(in[0], -1, 0, 1); }, {x});
    const Tensor y({2, 1, 4}, {0.5f, -1, 2, 1.5f, 0.3f, -0.7f, 1.2f, 0.8f});
    require_gradients([](In in) { return kx::ops::concat({in[0], in[1], in[0]}, 1); }, {x, y});
    require_gradients([](In in) { return kx::ops::concat({in[0], in[0]}, 0); }, {x});
}

TEST_CASE("concat gives gradients only to the inputs that need them", "[ops][shape]") {
    kx::Variable v("v", Tensor({2, 1}, {1, 2}));
    const Tensor y = kx::ops::concat({m23, v}, 1);
    kx::backward(kx::ops::sum(y * Tensor({4}, {1, 2, 3, 4})));
    require_values(v.grad(), {2, 1}, {4, 4});
    CHECK_FALSE(m23.grad().defined());
}
