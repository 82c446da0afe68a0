#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

using Catch::Matchers::Contains;

namespace {
const kx::Tensor x({2, 3}, {0.5f, -1.0f, 2.0f, 1.5f, 0.3f, -0.7f});
const kx::Tensor w({3, 2}, {0.2f, -0.4f, 0.6f, 0.1f, -0.3f, 0.5f});
const kx::Tensor b({2}, {0.05f, -0.1f});
}  // namespace

TEST_CASE("dense computes activation(x . W + b) for each fused activation", "[ops][dense]") {
    // x . W + b, by hand: row 0: 0.1-0.6-0.6+0.05 = -1.05, -0.2-0.1+1.0-0.1 = 0.6
    //                     row 1: 0.3+0.18+0.21+0.05 = 0.74, -0.6+0.03-0.35-0.1 = -1.02
    const std::vector<float> z{-1.05f, 0.6f, 0.74f, -1.02f};
    const kx::Tensor linear = kx::ops::dense(x, w, b, "linear");
    const kx::Tensor relu = kx::ops::dense(x, w, b, "relu");
    const kx::Tensor sigmoid = kx::ops::dense(x, w, b, "sigmoid");
    const kx::Tensor tanh = kx::ops::dense(x, w, b, "tanh");
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(linear.data()[i] == Approx(z[i]).margin(1e-6));
        CHECK(relu.data()[i] == Approx(std::max(z[i], 0.0f)).margin(1e-6));
        CHECK(sigmoid.data()[i] == Approx(1.0 / (1.0 + std::exp(-z[i]))).margin(1e-6));
        CHECK(tanh.data()[i] == Approx(std::tanh(z[i])).margin(1e-6));
    }
}

TEST_CASE("dense without bias equals matmul", "[ops][dense]") {
    CHECK(kx::ops::dense(x, w, kx::Tensor(), "linear").to_vector() == kx::ops::matmul(x, w).to_vector());
}

TEST_CASE("dense gradients match finite differences for every fused activation", "[ops][dense]") {
    for (const char* activation : {"linear", "relu", "sigmoid", "tanh"}) {
        const auto result = kx::testing::check_gradients(
            [&](const std::vector<kx::Tensor>& in) { return kx::ops::dense(in[0], in[1], in[2], activation); }, {x, w, b});
        INFO(activation << '\n' << result.report);
        CHECK(result.ok);
    }
}

TEST_CASE("dense names the fused activations it supports and checks shapes", "[ops][dense]") {
    REQUIRE_THROWS_WITH(kx::ops::dense(x, w, b, "softmax"), Contains("linear, relu, sigmoid and tanh") && Contains("softmax"));
    REQUIRE_THROWS_WITH(kx::ops::dense(x, kx::Tensor({4, 2}), b), Contains("(2, 3)") && Contains("(4, 2)"));
    REQUIRE_THROWS_WITH(kx::ops::dense(x, w, kx::Tensor({3})), Contains("bias of shape (2,)") && Contains("(3,)"));
    CHECK(kx::ops::dense_fuses("relu"));
    CHECK_FALSE(kx::ops::dense_fuses("softmax"));
}
