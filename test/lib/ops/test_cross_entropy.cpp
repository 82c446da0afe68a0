#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <cmath>

using Catch::Matchers::Contains;

TEST_CASE("sparse softmax cross-entropy equals -log softmax at the label", "[ops][cross_entropy]") {
    const kx::Tensor logits({2, 3}, {1.0f, 2.0f, 3.0f, 0.5f, 0.5f, -1.0f});
    const kx::Tensor labels({2}, {2, 0});
    const kx::Tensor loss = kx::ops::sparse_softmax_cross_entropy(logits, labels);
    REQUIRE(loss.shape() == kx::Shape{2});
    const double row0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
    const double row1 = std::log(2 * std::exp(0.5) + std::exp(-1.0)) - 0.5;
    CHECK(loss.data()[0] == Approx(row0).epsilon(1e-6));
    CHECK(loss.data()[1] == Approx(row1).epsilon(1e-6));
}

TEST_CASE("sparse softmax cross-entropy is stable for huge logits", "[ops][cross_entropy]") {
    const kx::Tensor loss = kx::ops::sparse_softmax_cross_entropy(kx::Tensor({1, 2}, {1000.0f, 0.0f}), kx::Tensor({1}, {1}));
    CHECK(loss.data()[0] == Approx(1000.0f));
}

TEST_CASE("sparse softmax cross-entropy gradient is softmax minus one-hot", "[ops][cross_entropy]") {
    const kx::Tensor logits({3, 4}, {0.1f, -0.3f, 0.8f, 0.2f, 1.1f, 0.4f, -0.6f, 0.0f, -0.2f, 0.3f, 0.5f, -1.0f});
    const kx::Tensor labels({3}, {2, 0, 3});
    const auto result = kx::testing::check_gradients(
        [&](const std::vector<kx::Tensor>& in) { return kx::ops::sparse_softmax_cross_entropy(in[0], labels); }, {logits});
    INFO(result.report);
    CHECK(result.ok);
}

TEST_CASE("sparse softmax cross-entropy rejects labels out of range or fractional", "[ops][cross_entropy]") {
    const kx::Tensor logits({2, 3});
    REQUIRE_THROWS_WITH(kx::ops::sparse_softmax_cross_entropy(logits, kx::Tensor({2}, {0, 3})),
                        Contains("[0, 3)") && Contains("got 3 at index 1"));
    REQUIRE_THROWS_WITH(kx::ops::sparse_softmax_cross_entropy(logits, kx::Tensor({2}, {0.5f, 1})), Contains("got 0.5 at index 0"));
    REQUIRE_THROWS_WITH(kx::ops::sparse_softmax_cross_entropy(logits, kx::Tensor({3})), Contains("(2, 3)") && Contains("(3,)"));
}
