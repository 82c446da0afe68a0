#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

using Catch::Matchers::Contains;

namespace {
// A 4x4 single-channel image whose 2x2 windows hold distinct values.
const kx::Tensor image4({1, 4, 4, 1}, {1, 3, 2, 4,
                                       5, 8, 6, 7,
                                       9, 0, 15, 11,
                                       12, 10, 13, 14});

// 1, 2, ..., 25 row-major in a (1, 5, 5, 1) image.
kx::Tensor image5() {
    kx::Tensor x = kx::Tensor::empty({1, 5, 5, 1});
    for (std::size_t i = 0; i < 25; ++i) x.data()[i] = static_cast<float>(i + 1);
    return x;
}

// Distinct values, at least 0.05 apart, so that +-epsilon nudges never change a window's argmax.
kx::Tensor distinct(const kx::Shape& shape) {
    kx::Tensor x = kx::Tensor::empty(shape);
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) x.data()[i] = 0.05f * static_cast<float>((i * 37) % n) - 0.025f * static_cast<float>(n);
    return x;
}

// The definition, one element at a time: TF padding, max or mean over the window's real pixels.
std::vector<float> reference_pool(const kx::Tensor& x, kx::ops::Size2 pool, kx::ops::Size2 stride, bool same, bool is_max) {
    const kx::Shape& s = x.shape();
    const std::size_t oh = same ? (s[1] + stride.h - 1) / stride.h : (s[1] - pool.h) / stride.h + 1;
    const std::size_t ow = same ? (s[2] + stride.w - 1) / stride.w : (s[2] - pool.w) / stride.w + 1;
    const long top = same ? static_cast<long>(std::max<long>(0, static_cast<long>((oh - 1) * stride.h + pool.h) - static_cast<long>(s[1])) / 2) : 0;
    const long left = same ? static_cast<long>(std::max<long>(0, static_cast<long>((ow - 1) * stride.w + pool.w) - static_cast<long>(s[2])) / 2) : 0;
    std::vector<float> out;
    for (std::size_t n = 0; n < s[0]; ++n)
        for (std::size_t i = 0; i < oh; ++i)
            for (std::size_t j = 0; j < ow; ++j)
                for (std::size_t c = 0; c < s[3]; ++c) {
                    float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
                    int count = 0;
                    for (std::size_t a = 0; a < pool.h; ++a)
                        for (std::size_t b = 0; b < pool.w; ++b) {
                            const long r = static_cast<long>(i * stride.h + a) - top;
                            const long q = static_cast<long>(j * stride.w + b) - left;
                            if (r < 0 || q < 0 || r >= static_cast<long>(s[1]) || q >= static_cast<long>(s[2])) continue;
                            const float v = x.at({n, static_cast<std::size_t>(r), static_cast<std::size_t>(q), c});
                            acc = is_max ? std::max(acc, v) : acc + v;
                            ++count;
                        }
                    out.push_back(is_max ? acc : acc / static_cast<float>(count));
                }
    return out;
}

void check_close(const std::vector<float>& got, const std::vector<float>& expected) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(expected[i]).margin(1e-5));
}
}  // namespace

TEST_CASE("max_pool2d and avg_pool2d reduce each 2x2 window of a 4x4 image", "[ops][pooling]") {
    const kx::Tensor mx = kx::ops::max_pool2d(image4, 2, 2);
    const kx::Tensor av = kx::ops::avg_pool2d(image4, 2, 2);
    CHECK(mx.shape() == kx::Shape{1, 2, 2, 1});
    CHECK(mx.to_vector() == std::vector<float>{8, 7, 12, 15});
    // (1+3+5+8)/4, (2+4+6+7)/4, (9+0+12+10)/4, (15+11+13+14)/4
    check_close(av.to_vector(), {4.25f, 4.75f, 7.75f, 13.25f});
}

TEST_CASE("pooling with padding 'same' pads at the bottom/right and averages real pixels only", "[ops][pooling]") {
    // 5x5, pool 2, stride 2: out = ceil(5/2) = 3, pad_total = 1 -> 0 on top, 1 at the bottom.
    const kx::Tensor x = image5();
    const kx::Tensor mx = kx::ops::max_pool2d(x, 2, 2, "same");
    const kx::Tensor av = kx::ops::avg_pool2d(x, 2, 2, "same");
    CHECK(mx.shape() == kx::Shape{1, 3, 3, 1});
    CHECK(mx.to_vector() == std::vector<float>{7, 9, 10, 17, 19, 20, 22, 24, 25});
    // By hand: (1+2+6+7)/4 = 4, (3+4+8+9)/4 = 6, (5+10)/2 = 7.5, ..., (21+22)/2 = 21.5, 25/1 = 25.
    check_close(av.to_vector(), {4, 6, 7.5f, 14, 16, 17.5f, 21.5f, 23.5f, 25});
}

TEST_CASE("pooling with padding 'same' splits an even padding on both sides", "[ops][pooling]") {
    // 5x5, pool 3, stride 2: pad_total = 2 -> 1 before, 1 after. Reference values from PyTorch:
    // F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False) and F.max_pool2d(x, 3, 2, padding=1).
    const kx::Tensor x = image5();
    check_close(kx::ops::avg_pool2d(x, 3, 2, "same").to_vector(), {4, 5.5f, 7, 11.5f, 13, 14.5f, 19, 20.5f, 22});
    CHECK(kx::ops::max_pool2d(x, 3, 2, "same").to_vector() == std::vector<float>{7, 9, 10, 17, 19, 20, 22, 24, 25});
}

TEST_CASE("pooling honours rectangular pools and strides different from the pool", "[ops][pooling]") {
    // pool (1, 2), stride (2, 1) on the 4x4 image: rows 0 and 2, overlapping column pairs.
    CHECK(kx::ops::max_pool2d(image4, {1, 2}, {2, 1}).to_vector() == std::vector<float>{3, 3, 4, 9, 15, 15});
    check_close(kx::ops::avg_pool2d(image4, {1, 2}, {2, 1}).to_vector(), {2, 2.5f, 3, 4.5f, 7.5f, 13});
    // pool 3, stride 1, valid on 1..25: out 3x3, each window's max at its bottom-right.
    CHECK(kx::ops::max_pool2d(image5(), 3, 1).to_vector() == std::vector<float>{13, 14, 15, 18, 19, 20, 23, 24, 25});
}

TEST_CASE("pooling keeps channels and batch items apart", "[ops][pooling]") {
    // Two channels: c0 = the 4x4 image, c1 = -c0, so c1's max is -(c0's min).
    kx::Tensor x = kx::Tensor::empty({1, 4, 4, 2});
    for (std::size_t i = 0; i < 16; ++i) {
        x.data()[2 * i] = image4.data()[i];
        x.data()[2 * i + 1] = -image4.data()[i];
    }
    CHECK(kx::ops::max_pool2d(x, 2, 2).to_vector() == std::vector<float>{8, -1, 7, -2, 12, 0, 15, -11});
    check_close(kx::ops::avg_pool2d(x, 2, 2).to_vector(), {4.25f, -4.25f, 4.75f, -4.75f, 7.75f, -7.75f, 13.25f, -13.25f});

    // Against the definition, with a channel count no vector width divides and odd sizes.
    const kx::Tensor big = distinct({3, 7, 6, 5});
    for (const bool same : {false, true}) {
        const std::string padding = same ? "same" : "valid";
        INFO("padding " << padding);
        check_close(kx::ops::max_pool2d(big, 3, {2, 1}, padding).to_vector(), reference_pool(big, 3, {2, 1}, same, true));
        check_close(kx::ops::avg_pool2d(big, 3, {2, 1}, padding).to_vector(), reference_pool(big, 3, {2, 1}, same, false));
    }
}

TEST_CASE("max_pool2d sends each window's gradient to its first maximum", "[ops][pooling]") {
    // Window 0 is all ties (gradient to its top-left pixel); window 1 has a single maximum.
    kx::Variable x("x", kx::Tensor({1, 2, 4, 1}, {3, 3, 1, 2,
                                                  3, 3, 5, 4}));
    kx::backward(kx::ops::max_pool2d(x, 2, 2), kx::Tensor({1, 1, 2, 1}, {10, 20}));
    CHECK(x.grad().to_vector() == std::vector<float>{10, 0, 0, 0,
                                                    0, 0, 20, 0});
}

TEST_CASE("avg_pool2d spreads each gradient over the real pixels of its window", "[ops][pooling]") {
    // 3x3, pool 2, stride 2, same: windows of 4, 2, 2 and 1 real pixels.
    kx::Variable x("x", kx::Tensor({1, 3, 3, 1}));
    kx::backward(kx::ops::avg_pool2d(x, 2, 2, "same"), kx::Tensor({1, 2, 2, 1}, {4, 2, 6, 1}));
    CHECK(x.grad().to_vector() == std::vector<float>{1, 1, 1,
                                                    1, 1, 1,
                                                    3, 3, 1});
}

TEST_CASE("max_pool2d and avg_pool2d gradients match finite differences", "[ops][pooling]") {
    const kx::Tensor x = distinct({2, 5, 4, 3});
    for (const char* padding : {"valid", "same"}) {
        for (const auto& [pool, stride] : {std::pair<kx::ops::Size2, kx::ops::Size2>{2, 2}, {3, 1}, {{2, 3}, {1, 2}}}) {
            INFO("padding " << padding << ", pool (" << pool.h << ", " << pool.w << "), strides (" << stride.h << ", "
                            << stride.w << ")");
            const auto mx = kx::testing::check_gradients(
                [&](const std::vector<kx::Tensor>& in) { return kx::ops::max_pool2d(in[0], pool, stride, padding); }, {x});
            INFO(mx.report);
            CHECK(mx.ok);
            const auto av = kx::testing::check_gradients(
                [&](const std::vector<kx::Tensor>& in) { return kx::ops::avg_pool2d(in[0], pool, stride, padding); }, {x});
            INFO(av.report);
            CHECK(av.ok);
        }
    }
}

TEST_CASE("max_pool2d gives the same values with and without the tape", "[ops][pooling]") {
    const kx::Tensor x = distinct({2, 6, 6, 4});
    const kx::Variable v("x", x);
    const std::vector<float> taped = kx::ops::max_pool2d(v, 3, 2, "same").to_vector();
    kx::NoGradGuard no_grad;
    CHECK(kx::ops::max_pool2d(x, 3, 2, "same").to_vector() == taped);
}

TEST_CASE("max_pool2d propagates NaN", "[ops][pooling]") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const kx::Tensor x({1, 2, 2, 2}, {1, nan, nan, 2, 5, 3, 4, 4});
    const std::vector<float> y = kx::ops::max_pool2d(x, 2, 2).to_vector();
    CHECK(std::isnan(y[0]));
    CHECK(std::isnan(y[1]));
}

TEST_CASE("pooling rejects bad shapes and arguments, naming the op and the shapes", "[ops][pooling]") {
    REQUIRE_THROWS_WITH(kx::ops::max_pool2d(kx::Tensor({4, 4, 1}), 2, 2),
                        Contains("ops::max_pool2d") && Contains("rank 4") && Contains("(4, 4, 1)"));
    REQUIRE_THROWS_WITH(kx::ops::avg_pool2d(kx::Tensor({1, 2, 5, 1}), 3, 1),
                        Contains("ops::avg_pool2d") && Contains("pool_size (3, 3)") && Contains("(1, 2, 5, 1)") &&
                            Contains("'valid'"));
    REQUIRE_THROWS_WITH(kx::ops::max_pool2d(image4, {2, 0}, 1), Contains("pool_size") && Contains("(2, 0)"));
    REQUIRE_THROWS_WITH(kx::ops::max_pool2d(image4, 2, {0, 1}), Contains("strides") && Contains("(0, 1)"));
    REQUIRE_THROWS_WITH(kx::ops::avg_pool2d(image4, 2, 2, "SAME"), Contains("'SAME'") && Contains("valid, same"));
    // With 'same' a pool larger than the input is fine: one window over the whole image.
    CHECK(kx::ops::max_pool2d(image4, 5, 5, "same").to_vector() == std::vector<float>{15});
}
