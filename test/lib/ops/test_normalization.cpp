#include "support/values.hpp"

#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <cmath>
#include <vector>

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
// x (2, 2, 3), channels last; gamma and beta per channel. The expected values below come from
// PyTorch in float64 with eps=1e-3 (channels moved to axis 1 for torch), e.g.
//   F.batch_norm(x.permute(0, 2, 1), None, None, g, b, training=True, eps=1e-3).permute(0, 2, 1)
const Tensor x223({2, 2, 3}, {0.5f, -1.2f, 2.0f, 1.5f, 0.3f, -0.7f, -0.4f, 0.9f, 1.1f, 2.2f, -1.8f, 0.0f});
const Tensor gamma3({3}, {1.5f, -0.5f, 2.0f});
const Tensor beta3({3}, {0.1f, 0.2f, -0.3f});

// Smooth, O(1) values with distinct entries: what finite differences need.
Tensor wavy(const kx::Shape& shape, float phase = 0.0f) {
    Tensor x = Tensor::empty(shape);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const auto t = static_cast<float>(i);
        x.data()[i] = std::sin(0.7f * t + phase) + 0.3f * std::cos(1.9f * t);
    }
    return x;
}
}  // namespace

TEST_CASE("batch_norm normalises each channel with the batch mean and biased variance, as torch", "[normalization]") {
    const auto [y, mean, variance] = kx::ops::batch_norm(x223, gamma3, beta3);
    check_values(y, {2, 2, 3},
                 {-0.584126f, 0.543258f, 2.411936f, 0.936153f, -0.143258f, -2.818226f, -1.952377f, -0.417864f,
                  0.668549f, 2.000349f, 0.817864f, -1.462258f},
                 1e-4);
    check_values(mean, {3}, {0.95f, -0.45f, 0.6f}, 1e-6);
    check_values(variance, {3}, {0.9725f, 1.1925f, 1.065f}, 1e-5);   // biased: divided by 4, not 3
}

TEST_CASE("batch_norm without gamma or beta scales by one and shifts by zero", "[normalization]") {
    const Tensor plain = kx::ops::batch_norm(x223, Tensor(), Tensor()).output;
    const Tensor unit = kx::ops::batch_norm(x223, Tensor::ones({3}), Tensor::zeros({3})).output;
    check_values(plain, unit.to_vector(), 1e-6);
    // Channel 0 by hand: (0.5 - 0.95) / sqrt(0.9725 + 0.001)
    CHECK(plain.data()[0] == Approx(-0.45 / std::sqrt(0.9735)).margin(1e-5));
}

TEST_CASE("batch_norm gradients match finite differences for x, gamma and beta", "[normalization]") {
    const auto f = [](const std::vector<Tensor>& in) { return kx::ops::batch_norm(in[0], in[1], in[2]).output; };
    // Few channels (tiled to 63 floats, with a partial tile), many channels (no tiling), and NHWC.
    for (const kx::Shape& shape : {kx::Shape{2, 2, 3}, kx::Shape{5, 13, 3}, kx::Shape{4, 70}, kx::Shape{3, 4, 4, 8}}) {
        INFO("x " << kx::to_string(shape));
        const std::size_t c = shape.back();
        require_gradients(f, {wavy(shape), wavy({c}, 1.0f) + 1.5f, wavy({c}, 2.0f)});
    }
    // Without gamma and beta, only x.
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::batch_norm(in[0], Tensor(), Tensor()).output; },
                      {wavy({6, 5})});
}

TEST_CASE("batch_norm keeps float precision over tens of thousands of rows", "[normalization]") {
    // 20000 rows of 3 channels around 1000: the statistics cross several accumulation chunks, and a
    // naive float sum of 20000 values near 1000 would be off in the fourth digit.
    const std::size_t rows = 20000, channels = 3;
    Tensor x = Tensor::empty({rows, channels});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 1000.0f + std::sin(0.37f * static_cast<float>(i));
    std::vector<double> mean(channels, 0.0), var(channels, 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) mean[i % channels] += x.data()[i] / static_cast<double>(rows);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double d = x.data()[i] - mean[i % channels];
        var[i % channels] += d * d / static_cast<double>(rows);
    }
    const auto out = kx::ops::batch_norm(x, Tensor(), Tensor());
    for (std::size_t c = 0; c < channels; ++c) {
        CHECK(out.mean.data()[c] == Approx(mean[c]).epsilon(1e-6));
        CHECK(out.variance.data()[c] == Approx(var[c]).epsilon(1e-5));
    }
}

TEST_CASE("batch_norm_inference uses the given statistics, as torch batch_norm in eval mode", "[normalization]") {
    // F.batch_norm(x.permute(0, 2, 1), rm, rv, g, b, training=False, eps=1e-3).permute(0, 2, 1)
    const Tensor mean({3}, {0.2f, -0.1f, 0.4f}), variance({3}, {0.5f, 2.0f, 1.5f});
    check_values(kx::ops::batch_norm_inference(x223, mean, variance, gamma3, beta3), {2, 2, 3},
                 {0.735761f, 0.588812f, 2.311919f, 2.854963f, 0.058614f, -2.095694f, -1.171521f, -0.153465f,
                  0.842714f, 4.338404f, 0.800891f, -0.95298f},
                 1e-4);
}

TEST_CASE("batch_norm_inference gradients match finite differences for all five inputs", "[normalization]") {
    const auto f = [](const std::vector<Tensor>& in) {
        return kx::ops::batch_norm_inference(in[0], in[1], in[2], in[3], in[4]);
    };
    for (const kx::Shape& shape : {kx::Shape{2, 2, 3}, kx::Shape{9, 11, 5}, kx::Shape{3, 66}}) {
        INFO("x " << kx::to_string(shape));
        const std::size_t c = shape.back();
        require_gradients(f, {wavy(shape), wavy({c}, 0.5f), wavy({c}, 1.0f) + 2.0f, wavy({c}, 1.5f), wavy({c}, 2.0f)});
    }
}

TEST_CASE("layer_norm matches torch layer_norm over the last axis, the last two, and a middle one", "[normalization]") {
    // F.layer_norm(x, (3,), g, b, eps=1e-3)
    check_values(kx::ops::layer_norm(x223, gamma3, beta3), {2, 2, 3},
                 {0.176474f, 0.824541f, 2.096198f, 1.989018f, 0.23704f, -2.670533f, -2.002893f, -0.075379f,
                  1.402342f, 1.994844f, 0.790865f, -0.462997f},
                 1e-4);
    // F.layer_norm(x, (2, 3), g2, b2, eps=1e-3)
    const Tensor g2({2, 3}, {1.0f, 0.5f, -1.0f, 2.0f, 1.5f, 0.25f}), b2({2, 3}, {0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
    check_values(kx::ops::layer_norm(x223, g2, b2, {-2, -1}), {2, 2, 3},
                 {0.089052f, -0.612414f, -1.224828f, 2.259138f, 0.266422f, 0.255108f, -0.579771f, 0.324002f,
                  -0.406124f, 3.251562f, -2.12991f, 0.434117f},
                 1e-4);
    // Axis 1: F.layer_norm(x.permute(0, 2, 1), (2,), gm, bm, eps=1e-3).permute(0, 2, 1)
    const Tensor gm({2}, {0.5f, 2.0f}), bm({2}, {1.0f, -1.0f});
    check_values(kx::ops::layer_norm(x223, gm, bm, {1}), {2, 2, 3},
                 {0.500997f, 0.500444f, 1.499863f, 0.996012f, 0.998225f, -2.999452f, 0.500148f, 1.499863f,
                  1.499176f, 0.999409f, -2.999452f, -2.996702f},
                 1e-4);
}

TEST_CASE("layer_norm gradients match finite differences", "[normalization]") {
    const auto over = [](std::vector<int> axes) {
        return [axes](const std::vector<Tensor>& in) { return kx::ops::layer_norm(in[0], in[1], in[2], axes); };
    };
    require_gradients(over({-1}), {wavy({3, 4, 5}), wavy({5}, 1.0f) + 1.5f, wavy({5}, 2.0f)});
    require_gradients(over({1, 2}), {wavy({3, 4, 5}), wavy({4, 5}, 1.0f) + 1.5f, wavy({4, 5}, 2.0f)});
    require_gradients(over({1}), {wavy({3, 4, 5}), wavy({4}, 1.0f) + 1.5f, wavy({4}, 2.0f)});   // transposed
    require_gradients(over({0, 2}), {wavy({3, 4, 5}), wavy({3, 5}, 1.0f) + 1.5f, wavy({3, 5}, 2.0f)});
    require_gradients([](const std::vector<Tensor>& in) { return kx::ops::layer_norm(in[0], Tensor(), Tensor()); },
                      {wavy({4, 37})});
}

TEST_CASE("group_norm matches torch group_norm, and one group per channel is instance normalization", "[normalization]") {
    // x (2, 2, 4), channels last: F.group_norm(x.permute(0, 2, 1), groups, g, b, eps=1e-3).permute(0, 2, 1)
    const Tensor x({2, 2, 4}, {0.5f, -1.2f, 2.0f, 1.5f, 0.3f, -0.7f, -0.4f, 0.9f,
                               1.1f, 2.2f, -1.8f, 0.0f, 0.6f, -0.2f, 1.4f, -2.5f});
    const Tensor g({4}, {1.5f, -0.5f, 2.0f, 1.0f}), b({4}, {0.1f, 0.2f, -0.3f, 0.0f});
    check_values(kx::ops::group_norm(x, 2, g, b), {2, 2, 4},
                 {1.755864f, 0.858784f, 1.92773f, 0.556932f, 1.328544f, 0.502685f, -3.418821f, -0.111386f,
                  0.40153f, -0.532287f, -1.706138f, 0.474163f, -0.459984f, 0.846136f, 2.479574f, -1.160881f},
                 1e-4);
    check_values(kx::ops::group_norm(x, 4, g, b), {2, 2, 4},
                 {1.530194f, 0.696047f, 1.699306f, 0.99449f, -1.330194f, -0.296047f, -2.299306f, -0.99449f,
                  1.588142f, -0.299826f, -2.299609f, 0.99968f, -1.388142f, 0.699826f, 1.699609f, -0.99968f},
                 1e-4);
}

TEST_CASE("group_norm gradients match finite differences", "[normalization]") {
    const auto groups = [](std::size_t n) {
        return [n](const std::vector<Tensor>& in) { return kx::ops::group_norm(in[0], n, in[1], in[2]); };
    };
    require_gradients(groups(2), {wavy({2, 3, 4}), wavy({4}, 1.0f) + 1.5f, wavy({4}, 2.0f)});
    require_gradients(groups(3), {wavy({2, 3, 3, 6}), wavy({6}, 1.0f) + 1.5f, wavy({6}, 2.0f)});
    require_gradients(groups(1), {wavy({3, 7}), wavy({7}, 1.0f) + 1.5f, wavy({7}, 2.0f)});
    require_gradients(groups(8), {wavy({2, 5, 8}), wavy({8}, 1.0f) + 1.5f, wavy({8}, 2.0f)});
}

TEST_CASE("normalization ops reject mismatched parameters, axes and groups", "[normalization]") {
    REQUIRE_THROWS_WITH(kx::ops::batch_norm(x223, Tensor::ones({4}), Tensor()),
                        Contains("ops::batch_norm") && Contains("gamma of shape (3,)") && Contains("got (4,)"));
    REQUIRE_THROWS_WITH(kx::ops::batch_norm(Tensor::scalar(1.0f), Tensor(), Tensor()),
                        Contains("ops::batch_norm") && Contains("rank >= 1"));
    REQUIRE_THROWS_WITH(kx::ops::batch_norm_inference(x223, Tensor::zeros({2}), Tensor::ones({3}), Tensor(), Tensor()),
                        Contains("ops::batch_norm_inference") && Contains("mean of shape (3,)") && Contains("got (2,)"));
    REQUIRE_THROWS_WITH(kx::ops::batch_norm_inference(x223, Tensor(), Tensor(), Tensor(), Tensor()),
                        Contains("defined mean and variance"));
    REQUIRE_THROWS_WITH(kx::ops::layer_norm(x223, Tensor(), Tensor(), {2, -1}),
                        Contains("ops::layer_norm") && Contains("duplicate axis") && Contains("(2, -1)"));
    REQUIRE_THROWS_WITH(kx::ops::layer_norm(x223, Tensor(), Tensor(), {3}),
                        Contains("axis 3 is out of range") && Contains("(2, 2, 3)"));
    REQUIRE_THROWS_WITH(kx::ops::layer_norm(x223, Tensor::ones({3}), Tensor(), {1, 2}),
                        Contains("gamma of shape (2, 3)") && Contains("got (3,)"));
    REQUIRE_THROWS_WITH(kx::ops::layer_norm(x223, Tensor(), Tensor(), {}), Contains("at least one axis"));
    REQUIRE_THROWS_WITH(kx::ops::group_norm(x223, 2, Tensor(), Tensor()),
                        Contains("ops::group_norm") && Contains("3 channels") && Contains("2 equal groups"));
    REQUIRE_THROWS_WITH(kx::ops::group_norm(Tensor::ones({4}), 2, Tensor(), Tensor()), Contains("rank >= 2"));
    REQUIRE_THROWS_WITH(kx::ops::group_norm(x223, 0, Tensor(), Tensor()), Contains("positive number of groups"));
}
