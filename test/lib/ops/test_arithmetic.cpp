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
const Tensor row3({3}, {10, 20, 30});
}  // namespace

TEST_CASE("add, subtract, multiply and divide same-shape tensors elementwise", "[ops][arithmetic]") {
    const Tensor b({2, 3}, {2, 4, 6, 8, 10, 12});
    require_values(kx::ops::add(m23, b), {2, 3}, {3, 6, 9, 12, 15, 18});
    require_values(kx::ops::subtract(m23, b), {2, 3}, {-1, -2, -3, -4, -5, -6});
    require_values(kx::ops::multiply(m23, b), {2, 3}, {2, 8, 18, 32, 50, 72});
    require_values(kx::ops::divide(m23, b), {2, 3}, {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f});
    require_values(kx::ops::negative(m23), {2, 3}, {-1, -2, -3, -4, -5, -6});
}

TEST_CASE("a row vector broadcasts over the rows of a matrix, on either side", "[ops][arithmetic]") {
    require_values(m23 + row3, {2, 3}, {11, 22, 33, 14, 25, 36});
    require_values(row3 - m23, {2, 3}, {9, 18, 27, 6, 15, 24});
    require_values(m23 * Tensor({1, 3}, {1, 0, -1}), {2, 3}, {1, 0, -3, 4, 0, -6});
    require_values(row3 / m23, {2, 3}, {10, 10, 10, 2.5f, 4, 5});
}

TEST_CASE("a column and a row broadcast to their outer shape", "[ops][arithmetic]") {
    const Tensor column({2, 1}, {1, 2});
    const Tensor row({1, 3}, {10, 20, 30});
    require_values(column + row, {2, 3}, {11, 21, 31, 12, 22, 32});
    require_values(column * row, {2, 3}, {10, 20, 30, 20, 40, 60});
    require_values(m23 - column, {2, 3}, {0, 1, 2, 2, 3, 4});
}

TEST_CASE("scalars broadcast against any shape", "[ops][arithmetic]") {
    require_values(m23 * 2.0f, {2, 3}, {2, 4, 6, 8, 10, 12});
    require_values(1.0f - m23, {2, 3}, {0, -1, -2, -3, -4, -5});
    require_values(6.0f / Tensor({2}, {2, 3}), {2}, {3, 2});
    require_values(Tensor::scalar(2) + Tensor::scalar(3), {}, {5});
    require_values(m23 + Tensor({1, 1}, {1}), {2, 3}, {2, 3, 4, 5, 6, 7});
}

TEST_CASE("broadcasting inserts leading axes and stretches inner size-1 axes", "[ops][arithmetic]") {
    // (2, 1, 3) + (4, 1) -> (2, 4, 3): y[i, j, k] = a[i, 0, k] + b[j, 0]
    const Tensor a({2, 1, 3}, {0, 1, 2, 3, 4, 5});
    const Tensor b({4, 1}, {0, 10, 20, 30});
    const Tensor y = a + b;
    REQUIRE(y.shape() == kx::Shape{2, 4, 3});
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            for (std::size_t k = 0; k < 3; ++k) CHECK(y.at({i, j, k}) == a.at({i, 0, k}) + b.at({j, 0}));
}

TEST_CASE("incompatible shapes are an error that names the op and both shapes", "[ops][arithmetic]") {
    REQUIRE_THROWS_WITH(kx::ops::add(m23, Tensor({4}, {1, 2, 3, 4})),
                        Contains("ops::add: cannot broadcast shapes (2, 3) and (4,)"));
    REQUIRE_THROWS_WITH(kx::ops::multiply(Tensor({2, 1}), Tensor({3, 1})),
                        Contains("ops::multiply: cannot broadcast shapes (2, 1) and (3, 1)"));
    REQUIRE_THROWS_AS(m23 / Tensor({2}), kx::Error);
}

TEST_CASE("the gradient of a broadcast operand is summed over its broadcast axes", "[ops][arithmetic]") {
    kx::Variable a("a", m23);
    kx::Variable b("b", row3);
    kx::backward(kx::ops::sum(a * b));
    // d/da = b repeated over rows; d/db = column sums of a
    require_values(a.grad(), {2, 3}, {10, 20, 30, 10, 20, 30});
    require_values(b.grad(), {3}, {5, 7, 9});

    kx::Variable s("s", Tensor::scalar(2));
    kx::backward(kx::ops::sum(m23 - s));
    require_values(s.grad(), {}, {-6});
}

TEST_CASE("arithmetic gradients match finite differences, with and without broadcasting", "[ops][arithmetic]") {
    const std::vector<std::pair<Tensor, Tensor>> cases{
        {Tensor({2, 3}, {0.5f, -1, 2, 1.5f, 0.3f, -0.7f}), Tensor({2, 3}, {1.2f, 0.8f, -1.5f, 2, -0.9f, 1.1f})},
        {Tensor({2, 3}, {0.5f, -1, 2, 1.5f, 0.3f, -0.7f}), Tensor({3}, {1.2f, -0.8f, 1.5f})},
        {Tensor({3}, {1.2f, -0.8f, 1.5f}), Tensor({2, 3}, {0.5f, -1, 2, 1.5f, 0.3f, -0.7f})},
        {Tensor({2, 1}, {0.5f, -1.3f}), Tensor({1, 3}, {1.2f, -0.8f, 1.5f})},
        {Tensor::scalar(1.7f), Tensor({2, 2}, {0.5f, -1, 2, 1.5f})},
        {Tensor({2, 2}, {0.5f, -1, 2, 1.5f}), Tensor::scalar(-1.3f)},
        {Tensor({2, 1, 3}, {0.5f, -1, 2, 1.5f, 0.3f, -0.7f}), Tensor({4, 1}, {1.2f, -0.8f, 1.5f, 0.9f})},
    };
    for (const auto& [a, b] : cases) {
        INFO("shapes " << kx::to_string(a.shape()) << " and " << kx::to_string(b.shape()));
        require_gradients([](const std::vector<Tensor>& in) { return kx::ops::add(in[0], in[1]); }, {a, b});
        require_gradients([](const std::vector<Tensor>& in) { return kx::ops::subtract(in[0], in[1]); }, {a, b});
        require_gradients([](const std::vector<Tensor>& in) { return kx::ops::multiply(in[0], in[1]); }, {a, b});
        require_gradients([](const std::vector<Tensor>& in) { return kx::ops::divide(in[0], in[1]); }, {a, b});
    }
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::negative(in[0]); }, {m23});
}

TEST_CASE("an operand used twice receives both gradients", "[ops][arithmetic]") {
    kx::Variable x("x", Tensor({3}, {1, -2, 3}));
    kx::backward(kx::ops::sum(x * x));   // d/dx x^2 = 2x, half from each side
    require_values(x.grad(), {3}, {2, -4, 6});
    x.zero_grad();
    kx::backward(kx::ops::sum(x / x));   // x / x = 1: d/dx = 1/x - x/x^2 = 0
    require_values(x.grad(), {3}, {0, 0, 0});
}

TEST_CASE("compound assignment changes a tensor's own buffer, broadcasting the right side", "[ops][arithmetic]") {
    Tensor x({2, 2}, {255.0f, 51.0f, 0.0f, 102.0f});
    const float* buffer = x.data();
    const Tensor alias = x;   // a copy of the handle shares the buffer, as in PyTorch
    x /= 255.0f;
    CHECK(x.data() == buffer);
    require_values(alias, {2, 2}, {1.0f, 0.2f, 0.0f, 0.4f});
    x += Tensor({2}, {1.0f, 2.0f});
    x *= 2.0f;
    x -= Tensor({2, 1}, {1.0f, 0.0f});
    require_values(x, {2, 2}, {3.0f, 3.4f, 2.0f, 4.8f});
}

TEST_CASE("compound assignment refuses a shape change and tensors that need a gradient", "[ops][arithmetic]") {
    Tensor x({2}, {1.0f, 2.0f});
    REQUIRE_THROWS_WITH(x += Tensor({3, 2}), Contains("operator+=") && Contains("keep the shape (2,)") && Contains("(3, 2)"));
    require_values(x, {2}, {1.0f, 2.0f});
    Tensor w = kx::Variable("w", Tensor({2}, {1.0f, 2.0f}));
    REQUIRE_THROWS_WITH(w *= 2.0f, Contains("operator*=") && Contains("requires a gradient"));
    require_values(w, {2}, {1.0f, 2.0f});
}
