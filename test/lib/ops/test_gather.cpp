#include "support/values.hpp"

#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <limits>

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
const Tensor table({3, 2}, {0, 1,
                            10, 11,
                            20, 21});
}  // namespace

TEST_CASE("take gathers rows in the shape of the indices", "[ops][gather][embedding-preprocessing]") {
    // Output (2, 2) + (2,): rows 2, 0 / 2, 1.
    check_values(kx::ops::take(table, Tensor({2, 2}, {2, 0, 2, 1})), {2, 2, 2}, {20, 21, 0, 1, 20, 21, 10, 11}, 0);
    // Rank-0 indices pick one row and drop the axis, as numpy.take does.
    check_values(kx::ops::take(table, Tensor::scalar(1)), {2}, {10, 11}, 0);
    // No indices: an empty gather keeps the other dimensions.
    CHECK(kx::ops::take(table, Tensor({0}, std::vector<float>{})).shape() == kx::Shape{0, 2});
}

TEST_CASE("take gathers along the last and middle axes", "[ops][gather][embedding-preprocessing]") {
    check_values(kx::ops::take(table, Tensor({1}, {1}), -1), {3, 1}, {1, 11, 21}, 0);
    // x[i, j, k] = 100 i + 10 j + k, shape (2, 3, 2); take j = 2, 2, 0 along axis 1 -> (2, 3, 2).
    Tensor x = Tensor::empty({2, 3, 2});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 2; ++k) x.data()[(i * 3 + j) * 2 + k] = static_cast<float>(100 * i + 10 * j + k);
    check_values(kx::ops::take(x, Tensor({3}, {2, 2, 0}), 1), {2, 3, 2},
                 {20, 21, 20, 21, 0, 1, 120, 121, 120, 121, 100, 101}, 0);
}

TEST_CASE("take's gradient scatters into the taken rows and accumulates repeated ones", "[ops][gather][embedding-preprocessing]") {
    // Row 2 taken twice, row 1 never: d(sum(take * w))/d(params) is w summed per taken row.
    kx::Variable params("params", table);
    const Tensor indices({3}, {2, 0, 2});
    const Tensor w({3, 2}, {1, 2, 3, 4, 5, 6});
    const auto grads = kx::GradientTape().gradient(kx::ops::sum(kx::ops::take(params, indices) * w), {params});
    check_values(grads[0], {3, 2}, {3, 4, 0, 0, 1 + 5, 2 + 6}, 0);

    require_gradients([&](const std::vector<Tensor>& in) { return kx::ops::take(in[0], indices); }, {table});
    const Tensor x3 = Tensor({2, 3, 2}, {0.1f, -0.4f, 0.7f, 1.2f, -0.9f, 0.3f, 0.5f, -1.1f, 0.8f, -0.2f, 0.6f, 0.9f});
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::take(in[0], Tensor({2, 2}, {1, 1, 0, 2}), 1); },
                      {x3});
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::take(in[0], Tensor({4}, {1, 0, 1, 1}), -1); },
                      {x3});
}

TEST_CASE("take records nothing without a gradient", "[ops][gather][embedding-preprocessing]") {
    kx::Variable params("params", table);
    kx::NoGradGuard no_grad;
    CHECK_FALSE(kx::ops::take(params, Tensor({1}, {0})).requires_grad());
}

TEST_CASE("take rejects indices that are not integers in range, naming the index", "[ops][gather][embedding-preprocessing]") {
    REQUIRE_THROWS_WITH(kx::ops::take(table, Tensor({2, 2}, {0, 1, 3, 0})),
                        Contains("ops::take") && Contains("[0, 3)") && Contains("got 3 at index (1, 0)") &&
                            Contains("params (3, 2)") && Contains("indices (2, 2)"));
    REQUIRE_THROWS_WITH(kx::ops::take(table, Tensor({2}, {-1, 0})), Contains("got -1 at index (0,)"));
    REQUIRE_THROWS_WITH(kx::ops::take(table, Tensor({1}, {1.5f})), Contains("expected integer indices") && Contains("got 1.5"));
    REQUIRE_THROWS_WITH(kx::ops::take(table, Tensor({1}, {std::numeric_limits<float>::quiet_NaN()})),
                        Contains("got nan"));
    REQUIRE_THROWS_WITH(kx::ops::take(table, Tensor({1}, {2}), 1), Contains("[0, 2) for axis 1"));
    REQUIRE_THROWS_WITH(kx::ops::take(table, Tensor({1}, {0}), 2), Contains("ops::take: axis 2 is out of range"));
    REQUIRE_THROWS_WITH(kx::ops::take(Tensor::scalar(1), Tensor({1}, {0})), Contains("expected params of rank >= 1"));
}
