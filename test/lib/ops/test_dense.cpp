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
    // Within rounding: a batch this small takes dense's matrix-vector kernel, which sums in another order.
    const auto dense = kx::ops::dense(x, w, kx::Tensor(), "linear").to_vector();
    const auto product = kx::ops::matmul(x, w).to_vector();
    REQUIRE(dense.size() == product.size());
    for (std::size_t i = 0; i < dense.size(); ++i) CHECK(dense[i] == Approx(product[i]).margin(1e-6));
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

// Batches of up to 4 rows take a matrix-vector kernel split by columns across the thread budget;
// larger ones take OpenBLAS's GEMM. Both must give x . W + b to float accuracy: checked here against
// a double-precision product, with 130 units (two full 64-column blocks and a 2-column tail) and
// enough weights (300 x 130) for the split to run on every thread.
TEST_CASE("dense gives the same result through its small-batch and GEMM kernels", "[ops][dense]") {
    const std::size_t in = 300, units = 130, rows = 6;
    kx::utils::set_random_seed(3);
    const kx::Tensor big_x = kx::initializers::RandomNormal()({rows, in});
    const kx::Tensor big_w = kx::initializers::RandomNormal({.stddev = 0.1})({in, units});
    const kx::Tensor big_b = kx::initializers::RandomNormal()({units});
    for (bool with_bias : {true, false}) {
        const kx::Tensor bias = with_bias ? big_b : kx::Tensor();
        auto reference = [&](std::size_t r, std::size_t j) {
            double z = with_bias ? big_b.data()[j] : 0.0;
            for (std::size_t k = 0; k < in; ++k) z += double(big_x.data()[r * in + k]) * big_w.data()[k * units + j];
            return std::max(z, 0.0);
        };
        for (std::size_t batch : {std::size_t{1}, std::size_t{3}, std::size_t{4}, rows}) {
            const kx::Tensor y = kx::ops::dense(kx::ops::slice(big_x, 0, 0, batch), big_w, bias, "relu");
            REQUIRE(y.shape() == kx::Shape{batch, units});
            for (std::size_t r = 0; r < batch; ++r)
                for (std::size_t j = 0; j < units; ++j) {
                    INFO("batch " << batch << ", bias " << with_bias << ", row " << r << ", unit " << j);
                    REQUIRE(y.data()[r * units + j] == Approx(reference(r, j)).margin(1e-4));
                }
        }
    }
}
