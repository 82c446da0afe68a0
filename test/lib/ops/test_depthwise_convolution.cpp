#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/conv_reference.hpp"

using Catch::Matchers::Contains;

namespace {
const kx::Tensor x = pattern({1, 5, 4, 2}, 7, 11, 5);   // NHWC, non-square to catch h/w mix-ups
const kx::Tensor w = pattern({3, 2, 2, 3}, 5, 13, 6);   // (kh, kw, C, depth_multiplier 3)
const kx::Tensor b({6}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f});
}  // namespace

// Reference values: PyTorch in float64 on the same numbers, x permuted to NCHW, the kernel reshaped
// to (kh, kw, C * M) and permuted to (C * M, 1, kh, kw) (so output channel c * M + m uses
// kernel[:, :, c, m]), "same" padding applied explicitly with TF's split (F.pad, odd row/column at
// the bottom/right), then F.conv2d(x, w, b, stride, dilation, groups=C), permuted back to NHWC.
TEST_CASE("depthwise_conv2d matches PyTorch with valid padding", "[ops][conv-family]") {
    check_output(kx::ops::depthwise_conv2d(x, w, b, 1, "valid", 1), {1, 3, 3, 6},
                 {1.06667f, 0.433333f, 0.6f, 0.0333333f, 2.2f, -1.96667f, 0.866667f, 0.633333f, -0.1f, -1.36667f,
                  0.466667f, 0.733333f, 0.3f, -1.36667f, -0.0666667f, -0.2f, 0.2f, -0.966667f, 1.0f, 0.5f, 0.366667f,
                  -0.0666667f, 0.4f, -0.7f, 0.8f, 0.7f, -0.333333f, 0.0f, 0.133333f, -1.3f, -1.96667f, -0.566667f,
                  -1.4f, -0.3f, 0.233333f, -0.8f, 0.933333f, 0.566667f, 0.133333f, 0.2f, -1.03333f, 0.933333f,
                  0.733333f, 0.766667f, -0.566667f, -0.1f, 0.166667f, -1.13333f, -1.3f, -1.6f, 0.2f, -0.4f, 0.266667f,
                  -0.633333f});
}

TEST_CASE("depthwise_conv2d matches PyTorch with same padding", "[ops][conv-family]") {
    check_output(kx::ops::depthwise_conv2d(x, w, b, 1, "same", 1), {1, 5, 4, 6},
                 {-0.266667f, 0.466667f, 1.13333f, -1.56667f, 1.46667f, -0.1f, 0.333333f, 0.466667f, 0.533333f,
                  0.733333f, -0.5f, -0.266667f, 0.933333f, 0.466667f, -0.0666667f, -0.633333f, 0.466667f, -0.433333f,
                  -0.133333f, -0.666667f, -0.833333f, -0.433333f, 0.633333f, -0.733333f, 1.06667f, 0.433333f, 0.6f,
                  0.0333333f, 2.2f, -1.96667f, 0.866667f, 0.633333f, -0.1f, -1.36667f, 0.466667f, 0.733333f, 0.3f,
                  -1.36667f, -0.0666667f, -0.2f, 0.2f, -0.966667f, 0.133333f, -1.66667f, 1.66667f, -0.333333f,
                  0.633333f, -0.833333f, 1.0f, 0.5f, 0.366667f, -0.0666667f, 0.4f, -0.7f, 0.8f, 0.7f, -0.333333f,
                  0.0f, 0.133333f, -1.3f, -1.96667f, -0.566667f, -1.4f, -0.3f, 0.233333f, -0.8f, -0.833333f,
                  0.366667f, 1.93333f, -0.366667f, 0.666667f, -0.733333f, 0.933333f, 0.566667f, 0.133333f, 0.2f,
                  -1.03333f, 0.933333f, 0.733333f, 0.766667f, -0.566667f, -0.1f, 0.166667f, -1.13333f, -1.3f, -1.6f,
                  0.2f, -0.4f, 0.266667f, -0.633333f, 1.13333f, 0.566667f, 0.366667f, -0.4f, 0.7f, -0.633333f,
                  0.766667f, 0.0333333f, 0.1f, -1.4f, 0.833333f, 0.2f, 0.766667f, -0.566667f, 0.2f, -0.433333f,
                  0.666667f, -1.1f, -0.7f, -1.53333f, 1.03333f, -0.933333f, 0.866667f, -0.2f, 0.7f, 0.533333f,
                  -0.133333f, -0.266667f, 0.0666667f, 0.133333f});
}

TEST_CASE("depthwise_conv2d matches PyTorch with stride 2", "[ops][conv-family]") {
    check_output(kx::ops::depthwise_conv2d(x, w, b, 2, "same", 1), {1, 3, 2, 6},
                 {-0.266667f, 0.466667f, 1.13333f, -1.56667f, 1.46667f, -0.1f, 0.933333f, 0.466667f, -0.0666667f,
                  -0.633333f, 0.466667f, -0.433333f, 1.0f, 0.5f, 0.366667f, -0.0666667f, 0.4f, -0.7f, -1.96667f,
                  -0.566667f, -1.4f, -0.3f, 0.233333f, -0.8f, 0.766667f, 0.0333333f, 0.1f, -1.4f, 0.833333f, 0.2f,
                  -0.7f, -1.53333f, 1.03333f, -0.933333f, 0.866667f, -0.2f});
    check_output(kx::ops::depthwise_conv2d(x, w, b, 2, "valid", 1), {1, 2, 2, 6},
                 {1.06667f, 0.433333f, 0.6f, 0.0333333f, 2.2f, -1.96667f, 0.3f, -1.36667f, -0.0666667f, -0.2f, 0.2f,
                  -0.966667f, 0.933333f, 0.566667f, 0.133333f, 0.2f, -1.03333f, 0.933333f, -1.3f, -1.6f, 0.2f, -0.4f,
                  0.266667f, -0.633333f});
}

TEST_CASE("depthwise_conv2d matches PyTorch with dilation 2", "[ops][conv-family]") {
    check_output(kx::ops::depthwise_conv2d(x, w, b, 1, "same", 2), {1, 5, 4, 6},
                 {-0.3f, -0.0666667f, 0.1f, -1.63333f, 1.16667f, 0.233333f, 0.366667f, 1.13333f, 0.966667f, 0.133333f,
                  0.933333f, -1.56667f, 0.6f, -1.06667f, 1.1f, 0.6f, -1.03333f, 0.1f, -0.133333f, -0.2f, -0.333333f,
                  -0.766667f, 0.766667f, -0.566667f, -0.0666667f, 0.0666667f, 0.133333f, 0.133333f, 1.0f, -1.43333f,
                  0.566667f, 1.13333f, 0.766667f, 0.166667f, 0.766667f, -1.5f, 0.8f, -1.06667f, 0.9f, -0.833333f,
                  0.266667f, -0.2f, -0.166667f, -0.333333f, -0.566667f, -0.666667f, 0.766667f, -0.666667f, 0.3f, 0.0f,
                  0.5f, 0.0666667f, 1.66667f, -1.76667f, 1.7f, 1.4f, -0.266667f, 0.3f, -1.3f, 0.733333f, -1.06667f,
                  0.133333f, -1.33333f, -1.46667f, 0.266667f, 0.866667f, -0.4f, -0.5f, -0.666667f, -0.166667f,
                  0.666667f, -1.36667f, 0.366667f, -0.366667f, 0.566667f, 0.1f, -0.333333f, -0.6f, 1.43333f,
                  0.266667f, -0.1f, -0.133333f, -0.4f, 0.366667f, -0.766667f, 0.4f, -1.1f, -0.633333f, 0.9f, -1.3f,
                  -0.0333333f, -1.06667f, 0.433333f, -0.133333f, 0.433333f, -1.0f, 0.5f, -0.333333f, 0.5f,
                  -0.0666667f, -0.166667f, -0.533333f, 1.43333f, 0.0666667f, -0.0666667f, -1.76667f, 1.13333f, 0.3f,
                  -0.0333333f, -0.9f, 0.766667f, -0.8f, 0.966667f, -1.0f, -0.166667f, -1.3f, 0.533333f, -0.133333f,
                  0.333333f, -0.766667f});
}

TEST_CASE("depthwise_conv2d matches PyTorch with different strides and dilations per axis", "[ops][conv-family]") {
    check_output(kx::ops::depthwise_conv2d(x, w, b, {2, 1}, "same", {1, 2}), {1, 3, 4, 6},
                 {-0.333333f, -0.266667f, 0.166667f, -1.73333f, 1.33333f, 0.233333f, 0.433333f, 0.866667f, 1.23333f,
                  0.0666667f, 0.966667f, -1.43333f, 1.03333f, 0.866667f, 0.633333f, 0.533333f, -1.0f, 0.233333f,
                  -0.0333333f, -0.266667f, -0.133333f, -0.733333f, 0.633333f, -0.433333f, 0.2f, -0.1f, 0.4f,
                  -0.0333333f, 0.166667f, -0.766667f, 1.5f, 1.2f, -0.0333333f, -0.266667f, 0.4f, -0.5f, -1.26667f,
                  -0.0666667f, -1.1f, -0.2f, 0.133333f, -1.1f, -0.5f, -0.6f, -0.333333f, -0.266667f, 0.566667f,
                  -1.03333f, 0.433333f, -0.233333f, 0.333333f, -0.0666667f, 0.0f, -0.633333f, 1.16667f, 0.133333f,
                  -0.1f, -1.9f, 1.33333f, 0.4f, -0.3f, -0.833333f, 0.733333f, -0.933333f, 1.16667f, -0.9f, -0.366667f,
                  -1.33333f, 0.666667f, -0.266667f, 0.366667f, -0.566667f});
}

TEST_CASE("depthwise_conv2d with depth_multiplier 1 and no bias matches PyTorch", "[ops][conv-family]") {
    // Same recipe, kernel pattern({2, 2, 2, 1}, 3, 7, 3), same padding, no bias.
    check_output(kx::ops::depthwise_conv2d(x, pattern({2, 2, 2, 1}, 3, 7, 3), kx::Tensor(), 1, "same"), {1, 5, 4, 2},
                 {0.0f, 0.266667f, 0.6f, 1.26667f, 1.2f, 0.0666667f, -0.133333f, -0.133333f, 0.2f, 0.6f, 0.8f,
                  0.866667f, 0.666667f, -0.333333f, -1.66667f, -0.266667f, 0.4f, 0.2f, 1.0f, 0.466667f, -1.33333f,
                  -0.733333f, 0.466667f, -0.4f, 0.6f, 1.26667f, 1.2f, 0.0666667f, -1.13333f, -1.13333f, 0.4f,
                  -0.533333f, 0.6f, 0.133333f, 0.6f, -0.0666667f, -1.6f, -0.266667f, 0.6f, 0.0f});
}

TEST_CASE("depthwise_conv2d keeps each channel separate", "[ops][conv-family]") {
    // Channel 1 of the input only reaches outputs 3..5 (c * M + m with c = 1): zeroing channel 0
    // changes outputs 0..2 alone.
    kx::Tensor masked = x.clone();
    for (std::size_t p = 0; p < masked.size(); p += 2) masked.data()[p] = 0.0f;
    const kx::Tensor full = kx::ops::depthwise_conv2d(x, w, b, 1, "same");
    const kx::Tensor part = kx::ops::depthwise_conv2d(masked, w, b, 1, "same");
    for (std::size_t i = 0; i < full.size(); ++i) {
        if (i % 6 < 3) CHECK(part.data()[i] == Approx(b.data()[i % 6]).margin(1e-6));
        else CHECK(part.data()[i] == full.data()[i]);
    }
}

TEST_CASE("depthwise_conv2d equals one conv2d per channel, for many channels too", "[ops][conv-family]") {
    // 40 channels cover the vectorised blocks of channels and the remainder after them.
    struct Config {
        std::size_t channels, multiplier;
        kx::ops::Size2 strides;
        const char* padding;
        kx::ops::Size2 dilation;
    };
    for (const Config& c : {Config{40, 1, 1, "same", 1}, Config{40, 1, 2, "valid", 1}, Config{37, 1, {1, 2}, "same", {2, 1}},
                            Config{5, 2, 2, "same", 1}}) {
        const kx::Tensor xs = pattern({2, 6, 5, c.channels}, 7, 11, 5);
        const kx::Tensor ks = pattern({3, 3, c.channels, c.multiplier}, 5, 13, 6);
        const kx::Tensor bs = pattern({c.channels * c.multiplier}, 3, 7, 3);
        std::vector<kx::Tensor> per_channel;
        for (std::size_t ch = 0; ch < c.channels; ++ch)
            per_channel.push_back(kx::ops::conv2d(kx::ops::slice(xs, 3, ch, ch + 1), kx::ops::slice(ks, 2, ch, ch + 1),
                                                  kx::ops::slice(bs, 0, ch * c.multiplier, (ch + 1) * c.multiplier),
                                                  c.strides, c.padding, c.dilation));
        const kx::Tensor expected = kx::ops::concat(per_channel, 3);
        const kx::Tensor y = kx::ops::depthwise_conv2d(xs, ks, bs, c.strides, c.padding, c.dilation);
        INFO(c.channels << " channels, depth_multiplier " << c.multiplier << ", " << c.padding);
        REQUIRE(y.shape() == expected.shape());
        check_values(y, expected.to_vector(), 1e-5);
    }
    require_gradients(
        [](const std::vector<kx::Tensor>& in) { return kx::ops::depthwise_conv2d(in[0], in[1], in[2], 1, "same"); },
        {pattern({1, 3, 3, 36}, 7, 11, 5), pattern({2, 2, 36, 1}, 5, 13, 6), pattern({36}, 3, 7, 3)});
}

TEST_CASE("depthwise_conv2d gradients match finite differences for x, kernel and bias", "[ops][conv-family]") {
    const kx::Tensor xg = pattern({2, 5, 5, 2}, 7, 11, 5);
    struct Config {
        kx::ops::Size2 strides;
        const char* padding;
        kx::ops::Size2 dilation;
    };
    for (const std::size_t multiplier : {1, 2}) {
        const kx::Tensor wg = pattern({3, 3, 2, multiplier}, 5, 13, 6);
        const kx::Tensor bg = pattern({2 * multiplier}, 3, 7, 3);
        for (const Config& c : {Config{1, "valid", 1}, Config{1, "same", 1}, Config{2, "valid", 1}, Config{2, "same", 1},
                                Config{1, "valid", 2}, Config{1, "same", 2}, Config{{2, 1}, "same", {1, 2}}}) {
            const auto result = kx::testing::check_gradients(
                [&](const std::vector<kx::Tensor>& in) {
                    return kx::ops::depthwise_conv2d(in[0], in[1], in[2], c.strides, c.padding, c.dilation);
                },
                {xg, wg, bg});
            INFO("depth_multiplier " << multiplier << ", " << c.padding << " strides (" << c.strides.h << ", "
                                     << c.strides.w << ") dilation (" << c.dilation.h << ", " << c.dilation.w << ")\n"
                                     << result.report);
            CHECK(result.ok);
        }
    }
}

TEST_CASE("depthwise_conv2d rejects bad shapes, strides and padding with clear messages", "[ops][conv-family]") {
    REQUIRE_THROWS_WITH(kx::ops::depthwise_conv2d(kx::Tensor({5, 4, 2}), w, b),
                        Contains("ops::depthwise_conv2d") && Contains("rank 4") && Contains("(5, 4, 2)") &&
                            Contains("(kernel_h, kernel_w, channels, depth_multiplier)"));
    REQUIRE_THROWS_WITH(kx::ops::depthwise_conv2d(x, kx::Tensor({3, 2, 3, 3}), b),
                        Contains("x (1, 5, 4, 2) has 2 channels") && Contains("kernel (3, 2, 3, 3) expects 3"));
    REQUIRE_THROWS_WITH(kx::ops::depthwise_conv2d(x, w, kx::Tensor({3})),
                        Contains("bias of shape (6,)") && Contains("channels * depth_multiplier") && Contains("(3,)"));
    REQUIRE_THROWS_WITH(kx::ops::depthwise_conv2d(kx::Tensor({1, 3, 3, 2}), kx::Tensor({5, 5, 2, 1}), kx::Tensor()),
                        Contains("ops::depthwise_conv2d: kernel (5, 5) with dilation (1, 1) is larger than the input "
                                 "(3, 3) with padding 'valid'"));
    REQUIRE_THROWS_WITH(kx::ops::depthwise_conv2d(x, w, b, 1, "causal"),
                        Contains("unknown padding 'causal'") && Contains("'valid' or 'same'"));
    REQUIRE_THROWS_WITH(kx::ops::depthwise_conv2d(x, w, b, {1, 0}), Contains("positive strides") && Contains("(1, 0)"));
    REQUIRE_THROWS_WITH(kx::ops::depthwise_conv2d(x, w, b, 1, "valid", 0), Contains("dilation_rate") && Contains("(0, 0)"));
    CHECK(kx::ops::depthwise_conv2d(kx::Tensor({1, 3, 3, 2}), kx::Tensor({5, 5, 2, 1}), kx::Tensor(), 1, "same").shape() ==
          kx::Shape{1, 3, 3, 2});
}
