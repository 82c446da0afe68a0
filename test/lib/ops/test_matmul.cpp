#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

using Catch::Matchers::Contains;

TEST_CASE("matmul multiplies (2, 3) by (3, 2) like the hand computation", "[ops][matmul]") {
    const kx::Tensor a({2, 3}, {1, 2, 3, 4, 5, 6});
    const kx::Tensor b({3, 2}, {7, 8, 9, 10, 11, 12});
    const kx::Tensor c = kx::ops::matmul(a, b);
    REQUIRE(c.shape() == kx::Shape{2, 2});
    CHECK(c.to_vector() == std::vector<float>{58, 64, 139, 154});
}

TEST_CASE("matmul folds leading axes of the left operand into rows", "[ops][matmul]") {
    const kx::Tensor a({2, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2});
    const kx::Tensor b({2, 3}, {1, 2, 3, 4, 5, 6});
    const kx::Tensor c = kx::ops::matmul(a, b);
    REQUIRE(c.shape() == kx::Shape{2, 2, 3});
    CHECK(c.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12});
}

TEST_CASE("matmul gradients match finite differences", "[ops][matmul]") {
    const kx::Tensor a({3, 4}, {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f, 0.7f, 0.8f, -0.9f, 1.0f, 0.2f, -0.1f});
    const kx::Tensor b({4, 2}, {0.3f, -0.5f, 0.2f, 0.7f, -0.4f, 0.1f, 0.9f, -0.3f});
    const auto result = kx::testing::check_gradients(
        [](const std::vector<kx::Tensor>& in) { return kx::ops::matmul(in[0], in[1]); }, {a, b});
    INFO(result.report);
    CHECK(result.ok);
}

TEST_CASE("matmul rejects mismatched inner dimensions with both shapes", "[ops][matmul]") {
    REQUIRE_THROWS_WITH(kx::ops::matmul(kx::Tensor({2, 3}), kx::Tensor({4, 2})),
                        Contains("ops::matmul") && Contains("(2, 3)") && Contains("(4, 2)"));
}
