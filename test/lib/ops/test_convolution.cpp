#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

using Catch::Matchers::Contains;

namespace {
// ((i * a) % m - s) / s for i = 0, 1, ...: small, varied, reproducible in Python.
kx::Tensor pattern(const kx::Shape& shape, std::size_t a, std::size_t m, float s) {
    kx::Tensor t = kx::Tensor::empty(shape);
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = (static_cast<float>((i * a) % m) - s) / s;
    return t;
}

const kx::Tensor x = pattern({1, 5, 4, 2}, 7, 11, 5);    // NHWC, non-square to catch h/w mix-ups
const kx::Tensor w = pattern({3, 2, 2, 2}, 5, 13, 6);    // (kh, kw, C, F), non-square too
const kx::Tensor b({2}, {0.1f, -0.2f});

void check_values(const kx::Tensor& y, const kx::Shape& shape, const std::vector<float>& expected) {
    REQUIRE(y.shape() == shape);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(y.data()[i] == Approx(expected[i]).margin(1e-5));
    }
}
}  // namespace

// Reference values: PyTorch in float64 on the same numbers, x permuted to NCHW, the kernel to
// (F, C, kh, kw), "same" padding applied explicitly with TF's split (F.pad, odd row/column at the
// bottom/right), then F.conv2d(x, w, b, stride, dilation), permuted back to NHWC.
TEST_CASE("conv2d matches PyTorch with valid padding", "[ops][conv]") {
    check_values(kx::ops::conv2d(x, w, b), {1, 3, 3, 2},
                 {3.43333f, -2.0f, 0.433333f, -1.46667f, -1.83333f, 1.63333f, 4.26667f, -3.16667f, -0.933333f,
                  -0.0666667f, -2.46667f, 3.76667f, 2.16667f, -2.5f, -0.833333f, -0.133333f, -2.73333f, 1.5f});
}

TEST_CASE("conv2d matches PyTorch with same padding, the odd column padded on the right", "[ops][conv]") {
    check_values(kx::ops::conv2d(x, w, b, 1, "same"), {1, 5, 4, 2},
                 {2.0f, -0.333333f, 0.766667f, -1.66667f, -0.466667f, -1.16667f, -1.03333f, -0.1f, 3.43333f, -2.0f,
                  0.433333f, -1.46667f, -1.83333f, 1.63333f, -0.3f, -0.733333f, 4.26667f, -3.16667f, -0.933333f,
                  -0.0666667f, -2.46667f, 3.76667f, 1.53333f, -1.03333f, 2.16667f, -2.5f, -0.833333f, -0.133333f,
                  -2.73333f, 1.5f, 3.73333f, -0.966667f, 0.933333f, -1.06667f, -0.733333f, 0.3f, -2.03333f, 0.2f,
                  2.46667f, -0.866667f});
}

TEST_CASE("conv2d matches PyTorch with stride 2", "[ops][conv]") {
    check_values(kx::ops::conv2d(x, w, b, 2, "same"), {1, 3, 2, 2},
                 {2.0f, -0.333333f, -0.466667f, -1.16667f, 4.26667f, -3.16667f, -2.46667f, 3.76667f, 0.933333f,
                  -1.06667f, -2.03333f, 0.2f});
    check_values(kx::ops::conv2d(x, w, b, 2, "valid"), {1, 2, 2, 2},
                 {3.43333f, -2.0f, -1.83333f, 1.63333f, 2.16667f, -2.5f, -2.73333f, 1.5f});
}

TEST_CASE("conv2d matches PyTorch with dilation 2", "[ops][conv]") {
    check_values(kx::ops::conv2d(x, w, b, 1, "valid", 2), {1, 1, 2, 2}, {2.63333f, -1.9f, -0.733333f, 3.03333f});
    check_values(kx::ops::conv2d(x, w, b, 1, "same", 2), {1, 5, 4, 2},
                 {-0.2f, 0.2f, 2.93333f, -2.03333f, 0.233333f, -0.0666667f, -1.16667f, 0.266667f, 0.3f, -1.33333f,
                  3.13333f, -2.23333f, -1.4f, 0.833333f, -1.1f, 0.133333f, 0.0333333f, -1.3f, 2.63333f, -1.9f,
                  -0.733333f, 3.03333f, -1.63333f, 0.366667f, 0.566667f, -1.5f, 2.93333f, -1.56667f, -1.3f, 3.1f,
                  -1.23333f, 0.0f, 0.566667f, -1.26667f, 1.03333f, -0.5f, -1.73333f, 0.866667f, -1.3f, -0.266667f});
}

TEST_CASE("conv2d matches PyTorch with different strides and dilations per axis", "[ops][conv]") {
    check_values(kx::ops::conv2d(x, w, b, {2, 1}, "same", {1, 2}), {1, 3, 4, 2},
                 {-0.3f, 0.2f, 2.76667f, -2.0f, 1.16667f, -1.86667f, -1.23333f, 0.3f, 0.633333f, -2.1f, 4.56667f,
                  -2.46667f, -2.46667f, 4.66667f, -1.76667f, 0.233333f, 0.533333f, -0.966667f, 0.933333f, -0.366667f,
                  -1.83333f, 1.0f, -1.36667f, -0.433333f});
}

TEST_CASE("conv2d without bias is conv2d with bias minus the bias", "[ops][conv]") {
    const kx::Tensor with = kx::ops::conv2d(x, w, b, 1, "same");
    const kx::Tensor without = kx::ops::conv2d(x, w, kx::Tensor(), 1, "same");
    for (std::size_t i = 0; i < with.size(); ++i) CHECK(without.data()[i] == Approx(with.data()[i] - b.data()[i % 2]).margin(1e-6));
}

TEST_CASE("conv2d treats each sample of a batch independently", "[ops][conv]") {
    const kx::Tensor x2 = pattern({1, 5, 4, 2}, 3, 7, 3);
    const kx::Tensor both = kx::ops::conv2d(kx::ops::concat({x, x2}, 0), w, b, 2, "same");
    const std::vector<float> first = kx::ops::conv2d(x, w, b, 2, "same").to_vector();
    const std::vector<float> second = kx::ops::conv2d(x2, w, b, 2, "same").to_vector();
    std::vector<float> expected = first;
    expected.insert(expected.end(), second.begin(), second.end());
    CHECK(both.to_vector() == expected);
}

TEST_CASE("conv2d with a 1x1 kernel is a matmul over channels", "[ops][conv]") {
    const kx::Tensor w1 = pattern({1, 1, 2, 3}, 5, 13, 6);
    const kx::Tensor y = kx::ops::conv2d(x, w1, kx::Tensor());
    const kx::Tensor expected = kx::ops::matmul(kx::ops::reshape(x, {20, 2}), kx::ops::reshape(w1, {2, 3}));
    CHECK(y.shape() == kx::Shape{1, 5, 4, 3});
    CHECK(y.to_vector() == expected.to_vector());
}

TEST_CASE("conv2d gradients match finite differences for x, kernel and bias", "[ops][conv]") {
    const kx::Tensor xg = pattern({2, 5, 5, 2}, 7, 11, 5);
    const kx::Tensor wg = pattern({3, 3, 2, 3}, 5, 13, 6);
    const kx::Tensor bg({3}, {0.1f, -0.2f, 0.3f});
    struct Config {
        kx::ops::Size2 strides;
        const char* padding;
        kx::ops::Size2 dilation;
    };
    for (const Config& c : {Config{1, "valid", 1}, Config{1, "same", 1}, Config{2, "valid", 1}, Config{2, "same", 1},
                            Config{1, "valid", 2}, Config{1, "same", 2}, Config{{2, 1}, "same", {1, 2}}}) {
        const auto result = kx::testing::check_gradients(
            [&](const std::vector<kx::Tensor>& in) {
                return kx::ops::conv2d(in[0], in[1], in[2], c.strides, c.padding, c.dilation);
            },
            {xg, wg, bg});
        INFO(c.padding << " strides (" << c.strides.h << ", " << c.strides.w << ") dilation (" << c.dilation.h << ", "
                       << c.dilation.w << ")\n" << result.report);
        CHECK(result.ok);
    }
    const auto pointwise = kx::testing::check_gradients(
        [](const std::vector<kx::Tensor>& in) { return kx::ops::conv2d(in[0], in[1], kx::Tensor()); },
        {xg, pattern({1, 1, 2, 3}, 5, 13, 6)});
    INFO(pointwise.report);
    CHECK(pointwise.ok);
}

TEST_CASE("conv2d rejects bad shapes, strides and padding with clear messages", "[ops][conv]") {
    REQUIRE_THROWS_WITH(kx::ops::conv2d(kx::Tensor({5, 4, 2}), w, b),
                        Contains("rank 4") && Contains("(5, 4, 2)") && Contains("(3, 2, 2, 2)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d(x, kx::Tensor({3, 2, 3, 2}), b),
                        Contains("x (1, 5, 4, 2) has 2 channels") && Contains("kernel (3, 2, 3, 2) expects 3"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d(x, w, kx::Tensor({3})), Contains("bias of shape (2,)") && Contains("(3,)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d(kx::Tensor({1, 3, 3, 2}), kx::Tensor({5, 5, 2, 2}), b),
                        Contains("ops::conv2d: kernel (5, 5) with dilation (1, 1) is larger than the input (3, 3) "
                                 "with padding 'valid'"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d(x, w, b, 1, "valid", 3), Contains("kernel (3, 2) with dilation (3, 3)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d(x, w, b, 1, "full"), Contains("unknown padding 'full'") &&
                                                                Contains("'valid' or 'same'"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d(x, w, b, {0, 1}), Contains("positive strides") && Contains("(0, 1)"));
    REQUIRE_THROWS_WITH(kx::ops::conv2d(x, w, b, 1, "valid", 0), Contains("dilation_rate") && Contains("(0, 0)"));
    CHECK(kx::ops::conv2d(kx::Tensor({1, 3, 3, 2}), kx::Tensor({5, 5, 2, 2}), b, 1, "same").shape() ==
          kx::Shape{1, 3, 3, 2});
}
