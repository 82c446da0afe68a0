#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/conv_reference.hpp"

#include <optional>

using Catch::Matchers::Contains;

namespace {
const kx::Tensor x = pattern({1, 3, 2, 2}, 7, 11, 5);   // NHWC, non-square to catch h/w mix-ups
const kx::Tensor w = pattern({3, 2, 3, 2}, 5, 13, 6);   // (kh, kw, F, C), as Keras' Conv2DTranspose stores it
const kx::Tensor b({3}, {0.1f, -0.2f, 0.3f});
}  // namespace

// Reference values: PyTorch in float64 on the same numbers, computed as Keras' JAX backend does:
// x permuted to NCHW and dilated by the strides (stride - 1 zeros between pixels), zero-padded by
// (left, right) = (K - 1, K - 1 + output_padding) for "valid" and, for "same", pad_len =
// stride + K - 2 (or K + K % 2 - 2 + output_padding), left = min(ceil(pad_len / 2), K - 1), then
// F.conv2d with the kernel permuted to (F, C, kh, kw), flipped in both spatial axes, and the
// dilation; permuted back to NHWC. For every case TF can express, the script also checked the
// result against TF's definition (the gradient of a TF-padded F.conv2d with respect to its input):
// equal to 1e-12.
TEST_CASE("conv2d_transpose matches the reference with valid padding and stride 1", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, 1, "valid", std::nullopt, 1), {1, 5, 3, 3},
                 {1.03333f, -1.13333f, 0.533333f, 0.866667f, -0.3f, 0.2f, 0.733333f, 0.133333f, -0.533333f,
                  -0.733333f, 0.766667f, 0.466667f, -3.33333f, 0.0666667f, 1.66667f, -0.9f, -1.9f, 1.8f, 2.1f,
                  -0.633333f, -0.4f, 2.46667f, 2.23333f, -2.83333f, 1.4f, 1.0f, 0.966667f, -1.06667f, 0.233333f,
                  1.46667f, -0.933333f, -2.9f, 1.13333f, 0.366667f, 0.266667f, -1.2f, 0.7f, 0.5f, -0.633333f,
                  0.333333f, 0.733333f, 1.5f, -0.933333f, -0.633333f, 0.466667f});
}

TEST_CASE("conv2d_transpose doubles the size with same padding and stride 2", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, 2, "same", std::nullopt, 1), {1, 6, 4, 3},
                 {1.03333f, -1.13333f, 0.533333f, 0.633333f, 0.633333f, -0.733333f, 0.333333f, -1.13333f, 1.23333f,
                  0.733333f, 0.133333f, -0.533333f, -0.633333f, 0.233333f, 1.03333f, -1.03333f, -1.03333f, 0.633333f,
                  -1.03333f, 0.533333f, 0.733333f, -0.633333f, -1.23333f, 1.13333f, 0.633333f, 1.26667f, -1.2f,
                  -0.0333333f, 0.166667f, 1.6f, -0.166667f, 0.566667f, -0.5f, 0.766667f, -0.233333f, 1.3f, 0.766667f,
                  -0.633333f, 0.0666667f, 0.5f, 0.4f, -0.2f, 0.366667f, -0.333333f, -0.233333f, 0.9f, 0.2f, 0.3f,
                  0.5f, -1.23333f, 1.3f, 0.1f, 0.1f, -0.833333f, 0.0666667f, -0.466667f, -0.2f, -0.2f, -0.3f,
                  -0.0333333f, -0.766667f, 0.333333f, 0.933333f, -0.9f, -1.1f, 0.8f, 1.03333f, -0.833333f, 0.266667f,
                  0.233333f, 0.533333f, -0.533333f});
}

TEST_CASE("conv2d_transpose leaves bias-only gaps when the stride is wider than the kernel", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, 3, "valid", std::nullopt, 1), {1, 9, 6, 3},
                 {1.03333f, -1.13333f, 0.533333f, 0.633333f, 0.633333f, -0.733333f, 0.1f, -0.2f, 0.3f, 0.333333f,
                  -1.13333f, 1.23333f, 0.733333f, 0.133333f, -0.533333f, 0.1f, -0.2f, 0.3f, -0.633333f, 0.233333f,
                  1.03333f, -1.03333f, -1.03333f, 0.633333f, 0.1f, -0.2f, 0.3f, -1.03333f, 0.533333f, 0.733333f,
                  -0.633333f, -1.23333f, 1.13333f, 0.1f, -0.2f, 0.3f, 0.733333f, 0.733333f, -0.633333f, 0.333333f,
                  0.333333f, 1.13333f, 0.1f, -0.2f, 0.3f, 0.633333f, 0.0333333f, -0.633333f, 1.03333f, 0.433333f,
                  0.633333f, 0.1f, -0.2f, 0.3f, 0.0f, 0.333333f, -0.266667f, -0.266667f, -0.366667f, 0.766667f, 0.1f,
                  -0.2f, 0.3f, -0.7f, 0.333333f, 0.433333f, -0.166667f, -0.866667f, 0.966667f, 0.1f, -0.2f, 0.3f,
                  0.766667f, -0.633333f, 0.0666667f, 0.5f, 0.4f, -0.2f, 0.1f, -0.2f, 0.3f, 0.366667f, -0.333333f,
                  -0.233333f, 0.9f, 0.2f, 0.3f, 0.1f, -0.2f, 0.3f, -0.2f, -0.3f, 0.833333f, -0.466667f, -0.566667f,
                  0.133333f, 0.1f, -0.2f, 0.3f, -0.3f, -1.0f, 0.833333f, 0.233333f, -0.466667f, -0.366667f, 0.1f,
                  -0.2f, 0.3f, 0.8f, -1.13333f, 0.766667f, 0.666667f, 0.466667f, -0.666667f, 0.1f, -0.2f, 0.3f,
                  0.466667f, 0.333333f, -0.733333f, -0.333333f, -0.0333333f, 0.633333f, 0.1f, -0.2f, 0.3f, -0.766667f,
                  0.333333f, 0.933333f, -0.9f, -1.1f, 0.8f, 0.1f, -0.2f, 0.3f, 1.03333f, -0.833333f, 0.266667f,
                  0.233333f, 0.533333f, -0.533333f, 0.1f, -0.2f, 0.3f, 0.7f, 0.5f, -0.633333f, 0.566667f, 0.366667f,
                  0.966667f, 0.1f, -0.2f, 0.3f, -0.133333f, 0.166667f, 0.833333f, -0.933333f, -0.633333f, 0.466667f,
                  0.1f, -0.2f, 0.3f});
}

TEST_CASE("conv2d_transpose adds output_padding rows and columns with same padding", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, {2, 3}, "same", kx::ops::Size2{1, 2}, 1), {1, 6, 5, 3},
                 {1.03333f, -1.13333f, 0.533333f, 0.633333f, 0.633333f, -0.733333f, 0.1f, -0.2f, 0.3f, 0.333333f,
                  -1.13333f, 1.23333f, 0.733333f, 0.133333f, -0.533333f, -0.633333f, 0.233333f, 1.03333f, -1.03333f,
                  -1.03333f, 0.633333f, 0.1f, -0.2f, 0.3f, -1.03333f, 0.533333f, 0.733333f, -0.633333f, -1.23333f,
                  1.13333f, 0.633333f, 1.26667f, -1.2f, -0.0333333f, 0.166667f, 1.6f, 0.1f, -0.2f, 0.3f, -0.166667f,
                  0.566667f, -0.5f, 0.766667f, -0.233333f, 1.3f, 0.766667f, -0.633333f, 0.0666667f, 0.5f, 0.4f, -0.2f,
                  0.1f, -0.2f, 0.3f, 0.366667f, -0.333333f, -0.233333f, 0.9f, 0.2f, 0.3f, 0.5f, -1.23333f, 1.3f, 0.1f,
                  0.1f, -0.833333f, 0.1f, -0.2f, 0.3f, 0.0666667f, -0.466667f, -0.2f, -0.2f, -0.3f, -0.0333333f,
                  -0.766667f, 0.333333f, 0.933333f, -0.9f, -1.1f, 0.8f, 0.1f, -0.2f, 0.3f, 1.03333f, -0.833333f,
                  0.266667f, 0.233333f, 0.533333f, -0.533333f});
}

TEST_CASE("conv2d_transpose adds output_padding rows and columns with valid padding", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, 2, "valid", kx::ops::Size2{1, 1}, 1), {1, 8, 5, 3},
                 {1.03333f, -1.13333f, 0.533333f, 0.633333f, 0.633333f, -0.733333f, 0.333333f, -1.13333f, 1.23333f,
                  0.733333f, 0.133333f, -0.533333f, 0.1f, -0.2f, 0.3f, -0.633333f, 0.233333f, 1.03333f, -1.03333f,
                  -1.03333f, 0.633333f, -1.03333f, 0.533333f, 0.733333f, -0.633333f, -1.23333f, 1.13333f, 0.1f, -0.2f,
                  0.3f, 0.633333f, 1.26667f, -1.2f, -0.0333333f, 0.166667f, 1.6f, -0.166667f, 0.566667f, -0.5f,
                  0.766667f, -0.233333f, 1.3f, 0.1f, -0.2f, 0.3f, 0.766667f, -0.633333f, 0.0666667f, 0.5f, 0.4f,
                  -0.2f, 0.366667f, -0.333333f, -0.233333f, 0.9f, 0.2f, 0.3f, 0.1f, -0.2f, 0.3f, 0.5f, -1.23333f,
                  1.3f, 0.1f, 0.1f, -0.833333f, 0.0666667f, -0.466667f, -0.2f, -0.2f, -0.3f, -0.0333333f, 0.1f, -0.2f,
                  0.3f, -0.766667f, 0.333333f, 0.933333f, -0.9f, -1.1f, 0.8f, 1.03333f, -0.833333f, 0.266667f,
                  0.233333f, 0.533333f, -0.533333f, 0.1f, -0.2f, 0.3f, 0.7f, 0.5f, -0.633333f, 0.566667f, 0.366667f,
                  0.966667f, -0.133333f, 0.166667f, 0.833333f, -0.933333f, -0.633333f, 0.466667f, 0.1f, -0.2f, 0.3f,
                  0.1f, -0.2f, 0.3f, 0.1f, -0.2f, 0.3f, 0.1f, -0.2f, 0.3f, 0.1f, -0.2f, 0.3f, 0.1f, -0.2f, 0.3f});
}

TEST_CASE("conv2d_transpose with output_padding 0 and an even kernel crops like Keras", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, 2, "same", kx::ops::Size2{0, 0}, 1), {1, 5, 2, 3},
                 {-1.03333f, -1.03333f, 0.633333f, -1.03333f, 0.533333f, 0.733333f, -0.0333333f, 0.166667f, 1.6f,
                  -0.166667f, 0.566667f, -0.5f, 0.5f, 0.4f, -0.2f, 0.366667f, -0.333333f, -0.233333f, 0.1f, 0.1f,
                  -0.833333f, 0.0666667f, -0.466667f, -0.2f, -0.9f, -1.1f, 0.8f, 1.03333f, -0.833333f, 0.266667f});
}

TEST_CASE("conv2d_transpose spreads a dilated kernel", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, 1, "valid", std::nullopt, 2), {1, 7, 4, 3},
                 {1.03333f, -1.13333f, 0.533333f, 0.333333f, -1.13333f, 1.23333f, 0.633333f, 0.633333f, -0.733333f,
                  0.733333f, 0.133333f, -0.533333f, 0.0f, 0.333333f, -0.266667f, -0.7f, 0.333333f, 0.433333f,
                  -0.266667f, -0.366667f, 0.766667f, -0.166667f, -0.866667f, 0.966667f, 0.0666667f, -0.7f, 1.5f,
                  -0.666667f, 1.06667f, -0.3f, -0.466667f, -0.366667f, -0.333333f, -1.06667f, -1.06667f, 1.46667f,
                  0.766667f, -0.633333f, 0.0666667f, 0.366667f, -0.333333f, -0.233333f, 0.5f, 0.4f, -0.2f, 0.9f, 0.2f,
                  0.3f, -0.133333f, 1.26667f, 0.0f, 1.56667f, -0.6f, -0.666667f, -0.666667f, -0.566667f, 1.63333f,
                  1.16667f, 1.16667f, -0.2f, -0.2f, -0.3f, 0.833333f, -0.3f, -1.0f, 0.833333f, -0.466667f, -0.566667f,
                  0.133333f, 0.233333f, -0.466667f, -0.366667f, 0.7f, 0.5f, -0.633333f, -0.133333f, 0.166667f,
                  0.833333f, 0.566667f, 0.366667f, 0.966667f, -0.933333f, -0.633333f, 0.466667f});
}

TEST_CASE("conv2d_transpose takes different strides and dilations per axis", "[ops][conv-family]") {
    check_output(kx::ops::conv2d_transpose(x, w, b, {2, 1}, "same", std::nullopt, {1, 2}), {1, 6, 2, 3},
                 {0.333333f, -1.13333f, 1.23333f, 0.633333f, 0.633333f, -0.733333f, -1.03333f, 0.533333f, 0.733333f,
                  -1.03333f, -1.03333f, 0.633333f, -0.166667f, 0.566667f, -0.5f, -0.0333333f, 0.166667f, 1.6f,
                  0.366667f, -0.333333f, -0.233333f, 0.5f, 0.4f, -0.2f, 0.0666667f, -0.466667f, -0.2f, 0.1f, 0.1f,
                  -0.833333f, 1.03333f, -0.833333f, 0.266667f, -0.9f, -1.1f, 0.8f});
}

TEST_CASE("conv2d_transpose with a 1x1 kernel at stride 1 is a matmul over channels", "[ops][conv-family]") {
    const kx::Tensor w1 = pattern({1, 1, 3, 2}, 5, 13, 6);   // (1, 1, F, C)
    const kx::Tensor y = kx::ops::conv2d_transpose(x, w1, kx::Tensor());
    const kx::Tensor expected = kx::ops::matmul(kx::ops::reshape(x, {6, 2}), kx::ops::transpose(kx::ops::reshape(w1, {3, 2})));
    CHECK(y.shape() == kx::Shape{1, 3, 2, 3});
    check_values(y, expected.to_vector(), 1e-6);
}

TEST_CASE("conv2d_transpose is the adjoint of conv2d", "[ops][conv-family]") {
    // <conv2d(z, K), x> = <z, conv2d_transpose(x, K')> with K' the same numbers read as (kh, kw, F, C):
    // the transposed convolution is the gradient of conv2d with respect to its input, padding included.
    struct Case {
        kx::Shape z, kernel;
        const char* padding;
        std::optional<kx::ops::Size2> output_padding;
    };
    for (const Case& c : {Case{{2, 7, 6, 3}, {3, 2, 3, 4}, "valid", std::nullopt},
                          Case{{2, 8, 6, 3}, {3, 2, 3, 4}, "same", std::nullopt},
                          Case{{2, 7, 6, 3}, {3, 3, 3, 4}, "same", kx::ops::Size2{0, 1}}}) {
        const kx::Tensor z = pattern(c.z, 3, 17, 8);
        const kx::Tensor k = pattern(c.kernel, 5, 13, 6);   // conv2d's (kh, kw, C=3, F=4)
        const kx::Tensor y = kx::ops::conv2d(z, k, kx::Tensor(), 2, c.padding);
        const kx::Tensor dy = pattern(y.shape(), 7, 11, 5);
        const kx::Tensor back = kx::ops::conv2d_transpose(dy, k, kx::Tensor(), 2, c.padding, c.output_padding);
        INFO(c.padding << " z " << kx::to_string(c.z));
        REQUIRE(back.shape() == z.shape());
        CHECK(kx::ops::sum(kx::ops::multiply(y, dy)).item() ==
              Approx(kx::ops::sum(kx::ops::multiply(z, back)).item()).epsilon(1e-5));
    }
}

TEST_CASE("conv2d_transpose gradients match finite differences for x, kernel and bias", "[ops][conv-family]") {
    const kx::Tensor xg = pattern({2, 3, 4, 2}, 7, 11, 5);
    const kx::Tensor wg = pattern({3, 2, 3, 2}, 5, 13, 6);
    const kx::Tensor bg({3}, {0.1f, -0.2f, 0.3f});
    struct Config {
        kx::ops::Size2 strides;
        const char* padding;
        std::optional<kx::ops::Size2> output_padding;
        kx::ops::Size2 dilation;
    };
    for (const Config& c : {Config{1, "valid", std::nullopt, 1}, Config{1, "same", std::nullopt, 1},
                            Config{2, "valid", std::nullopt, 1}, Config{2, "same", std::nullopt, 1},
                            Config{{2, 3}, "same", kx::ops::Size2{1, 2}, 1}, Config{2, "valid", kx::ops::Size2{1, 0}, 1},
                            Config{1, "valid", std::nullopt, 2}, Config{{2, 1}, "same", std::nullopt, {1, 2}},
                            Config{3, "valid", std::nullopt, 1}}) {
        const auto result = kx::testing::check_gradients(
            [&](const std::vector<kx::Tensor>& in) {
                return kx::ops::conv2d_transpose(in[0], in[1], in[2], c.strides, c.padding, c.output_padding, c.dilation);
            },
            {xg, wg, bg});
        INFO(c.padding << " strides (" << c.strides.h << ", " << c.strides.w << ") dilation (" << c.dilation.h << ", "
                       << c.dilation.w << ")\n" << result.report);
        CHECK(result.ok);
    }
    require_gradients(
        [](const std::vector<kx::Tensor>& in) { return kx::ops::conv2d_transpose(in[0], in[1], kx::Tensor()); },
        {xg, pattern({1, 1, 3, 2}, 5, 13, 6)});
}

TEST_CASE("conv2d_transpose output lengths follow Keras' deconv_output_length", "[ops][conv-family]") {
    using kx::ops::conv_transpose_output_length;
    CHECK(conv_transpose_output_length(5, 3, 2, "valid", std::nullopt) == 11);   // 5 * 2 + max(3 - 2, 0)
    CHECK(conv_transpose_output_length(5, 2, 3, "valid", std::nullopt) == 15);   // kernel narrower than stride
    CHECK(conv_transpose_output_length(5, 3, 2, "same", std::nullopt) == 10);
    CHECK(conv_transpose_output_length(5, 3, 2, "valid", 1) == 12);              // (5 - 1) * 2 + 3 + 1
    CHECK(conv_transpose_output_length(5, 3, 2, "same", 1) == 10);               // (5 - 1) * 2 + 3 % 2 + 1
    CHECK(conv_transpose_output_length(5, 4, 2, "same", 0) == 8);                // (5 - 1) * 2 + 4 % 2 + 0
    CHECK(conv_transpose_output_length(5, 3, 1, "valid", std::nullopt, 2) == 9); // dilated kernel spans 5
}

TEST_CASE("conv2d_transpose rejects bad shapes, strides and padding with clear messages", "[ops][conv-family]") {
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(kx::Tensor({3, 2, 2}), w, b),
                        Contains("ops::conv2d_transpose") && Contains("rank 4") && Contains("(3, 2, 2)") &&
                            Contains("(kernel_h, kernel_w, filters, channels)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(x, kx::Tensor({3, 2, 3, 4}), b),
                        Contains("x (1, 3, 2, 2) has 2 channels") && Contains("kernel (3, 2, 3, 4) expects 4"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(x, w, kx::Tensor({2})), Contains("bias of shape (3,)") && Contains("(2,)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(x, w, b, 1, "full"),
                        Contains("unknown padding 'full'") && Contains("'valid' or 'same'"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(x, w, b, {0, 1}), Contains("positive strides") && Contains("(0, 1)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(x, w, b, 1, "valid", std::nullopt, 0),
                        Contains("dilation_rate") && Contains("(0, 0)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(x, w, b, 2, "valid", kx::ops::Size2{1, 2}),
                        Contains("output_padding smaller than strides") && Contains("output_padding (1, 2)") &&
                            Contains("strides (2, 2)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d_transpose(kx::Tensor({1, 1, 1, 2}), w, b, 2, "same", kx::ops::Size2{0, 0}),
                        Contains("empty output"));
}
