#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
// Every value within 1e-5 of the expectation.
void require_values(const Tensor& t, const kx::Shape& shape, const std::vector<float>& expected) {
    check_values(t, shape, expected, 1e-5);
}

const Tensor m23({2, 3}, {1, 2, 3, 4, 5, 6});
// (2, 3, 4) with distinct values at least 0.05 apart, so that finite differences never swap a max.
const Tensor t234 = [] {
    std::vector<float> v(24);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.05f * static_cast<float>((i * 7) % 24) - 0.6f;
    return Tensor({2, 3, 4}, v);
}();
}  // namespace

TEST_CASE("sum reduces over all axes, one axis or several", "[ops][reduction]") {
    require_values(kx::ops::sum(m23), {}, {21});
    require_values(kx::ops::sum(m23, {0}), {3}, {5, 7, 9});
    require_values(kx::ops::sum(m23, {1}), {2}, {6, 15});
    require_values(kx::ops::sum(m23, {-1}), {2}, {6, 15});
    require_values(kx::ops::sum(m23, {0, 1}), {}, {21});
    // (2, 3, 4) arange summed over axes 0 and 2: y[j] = sum_i sum_k (12 i + 4 j + k)
    const Tensor a = kx::ops::reshape(Tensor::arange(24), {2, 3, 4});
    require_values(kx::ops::sum(a, {0, 2}), {3}, {60, 92, 124});
    require_values(kx::ops::sum(a, {2, 0}), {3}, {60, 92, 124});
}

TEST_CASE("keepdims keeps the reduced axes with size 1", "[ops][reduction]") {
    require_values(kx::ops::sum(m23, {}, true), {1, 1}, {21});
    require_values(kx::ops::sum(m23, {0}, true), {1, 3}, {5, 7, 9});
    require_values(kx::ops::mean(m23, {1}, true), {2, 1}, {2, 5});
    require_values(kx::ops::max(m23, {-1}, true), {2, 1}, {3, 6});
}

TEST_CASE("mean divides the sum by the number of reduced elements", "[ops][reduction]") {
    require_values(kx::ops::mean(m23), {}, {3.5f});
    require_values(kx::ops::mean(m23, {0}), {3}, {2.5f, 3.5f, 4.5f});
    require_values(kx::ops::mean(m23, {1}), {2}, {2, 5});
}

TEST_CASE("max reduces to the largest element", "[ops][reduction]") {
    const Tensor x({2, 3}, {-1, 7, 3, 4, -2, 4});
    require_values(kx::ops::max(x), {}, {7});
    require_values(kx::ops::max(x, {0}), {3}, {4, 7, 4});
    require_values(kx::ops::max(x, {1}), {2}, {7, 4});
    require_values(kx::ops::max(Tensor({3}, {-5, -3, -4})), {}, {-3});
}

TEST_CASE("sum and mean spread the gradient evenly over the reduced elements", "[ops][reduction]") {
    kx::Variable x("x", m23);
    kx::backward(kx::ops::sum(kx::ops::sum(x, {1}) * Tensor({2}, {1, 2})));
    require_values(x.grad(), {2, 3}, {1, 1, 1, 2, 2, 2});
    x.zero_grad();
    kx::backward(kx::ops::sum(kx::ops::mean(x, {0}) * Tensor({3}, {1, 2, 3})));
    require_values(x.grad(), {2, 3}, {0.5f, 1, 1.5f, 0.5f, 1, 1.5f});
}

TEST_CASE("max sends the gradient to the first maximal element only", "[ops][reduction]") {
    kx::Variable x("x", Tensor({2, 3}, {1, 3, 3, 2, 2, 0}));
    kx::backward(kx::ops::sum(kx::ops::max(x, {1})));
    require_values(x.grad(), {2, 3}, {0, 1, 0, 1, 0, 0});
    x.zero_grad();
    kx::backward(kx::ops::max(x));
    require_values(x.grad(), {2, 3}, {0, 1, 0, 0, 0, 0});
    x.zero_grad();
    kx::backward(kx::ops::sum(kx::ops::max(x, {0}) * Tensor({3}, {1, 2, 3})));
    require_values(x.grad(), {2, 3}, {0, 2, 3, 1, 0, 0});
}

TEST_CASE("reduction gradients match finite differences for every axes and keepdims", "[ops][reduction]") {
    const std::vector<kx::ops::Axes> all_axes{{}, {0}, {1}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}};
    for (const auto& axes : all_axes) {
        for (bool keepdims : {false, true}) {
            INFO("axes of size " << axes.size() << (axes.empty() ? "" : " starting at " + std::to_string(axes[0]))
                                 << ", keepdims " << keepdims);
            for (auto op : {kx::ops::sum, kx::ops::mean, kx::ops::max}) {
                const auto result = kx::testing::check_gradients(
                    [&](const std::vector<Tensor>& in) { return op(in[0], axes, keepdims); }, {t234});
                INFO(result.report);
                CHECK(result.ok);
            }
        }
    }
}

TEST_CASE("reducing a scalar over no axes returns it", "[ops][reduction]") {
    require_values(kx::ops::sum(Tensor::scalar(4)), {}, {4});
    require_values(kx::ops::max(Tensor::scalar(4)), {}, {4});
}

TEST_CASE("bad axes are errors that name the op, the axis and the shape", "[ops][reduction]") {
    REQUIRE_THROWS_WITH(kx::ops::sum(m23, {2}),
                        Contains("ops::sum: axis 2 is out of range for a tensor of rank 2 (shape (2, 3)); "
                                 "expected an axis in [-2, 2)"));
    REQUIRE_THROWS_WITH(kx::ops::max(m23, {-3}), Contains("ops::max: axis -3 is out of range"));
    REQUIRE_THROWS_WITH(kx::ops::mean(m23, {1, -1}),
                        Contains("ops::mean: duplicate axis -1 in axes (1, -1) for shape (2, 3)"));
    REQUIRE_THROWS_WITH(kx::ops::max(Tensor({2, 0}), {1}),
                        Contains("ops::max: cannot take the max over a zero-size axis (shape (2, 0))"));
}
