#include "support/values.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using kx::Tensor;
namespace ops = kx::ops;

namespace {
// Sample points away from every kink (relu at 0, hard_sigmoid at +-3), so the same points serve
// the value tests and the finite-difference checks.
const Tensor points({2, 3}, {-2.5f, -1.0f, -0.3f, 0.4f, 1.2f, 2.1f});
const Tensor points_wide({6}, {-2.5f, -1.0f, -0.3f, 0.4f, 1.2f, 3.1f});

void require_values(const Tensor& actual, const std::vector<float>& expected, float margin = 1e-5f) {
    check_values(actual, expected, margin);
}

void require_gradients_match(const kx::testing::Function& f, const Tensor& x) {
    const auto result = kx::testing::check_gradients(f, {x});
    INFO(result.report);
    CHECK(result.ok);
}
}  // namespace

// Expected values below: PyTorch 2 in float64 on points_wide, e.g.
// torch.nn.functional.elu(torch.tensor([-2.5, -1.0, -0.3, 0.4, 1.2, 3.1], dtype=torch.float64)).

TEST_CASE("relu, leaky_relu, elu and selu match PyTorch", "[activation]") {
    require_values(ops::relu(points_wide), {0.0f, 0.0f, 0.0f, 0.4f, 1.2f, 3.1f});
    // Keras 3's default negative_slope is 0.2 (PyTorch's is 0.01): F.leaky_relu(x, 0.2).
    require_values(ops::leaky_relu(points_wide), {-0.5f, -0.2f, -0.06f, 0.4f, 1.2f, 3.1f});
    require_values(ops::leaky_relu(points_wide, 0.01f), {-0.025f, -0.01f, -0.003f, 0.4f, 1.2f, 3.1f});
    require_values(ops::elu(points_wide), {-0.917915f, -0.6321206f, -0.2591818f, 0.4f, 1.2f, 3.1f});
    require_values(ops::elu(points_wide, 0.5f), {-0.4589575f, -0.3160603f, -0.1295909f, 0.4f, 1.2f, 3.1f});
    require_values(ops::selu(points_wide), {-1.613786f, -1.111331f, -0.4556673f, 0.4202804f, 1.260841f, 3.257173f});
}

TEST_CASE("gelu matches PyTorch in its exact erf form and its tanh approximation", "[activation]") {
    // F.gelu(x) and F.gelu(x, approximate='tanh')
    require_values(ops::gelu(points_wide),
                   {-0.01552416f, -0.1586553f, -0.1146266f, 0.2621687f, 1.061916f, 3.097f});
    require_values(ops::gelu(points_wide, /*approximate=*/true),
                   {-0.01508427f, -0.158808f, -0.1146291f, 0.2621612f, 1.061703f, 3.097373f});
}

TEST_CASE("sigmoid, hard_sigmoid, tanh, softplus, softsign and silu match PyTorch", "[activation]") {
    require_values(ops::sigmoid(points_wide),
                   {0.07585818f, 0.2689414f, 0.4255575f, 0.5986877f, 0.7685248f, 0.9568927f});
    // Keras 3's hard_sigmoid is relu6(x + 3) / 6: F.relu6(x + 3) / 6.
    require_values(ops::hard_sigmoid(points_wide), {0.08333333f, 0.3333333f, 0.45f, 0.5666667f, 0.7f, 1.0f});
    require_values(ops::hard_sigmoid(Tensor({2}, {-3.5f, -3.0f})), {0.0f, 0.0f});
    require_values(ops::tanh(points_wide),
                   {-0.9866143f, -0.7615942f, -0.2913126f, 0.379949f, 0.8336546f, 0.9959494f});
    require_values(ops::softplus(points_wide),
                   {0.07888973f, 0.3132617f, 0.5543552f, 0.9130153f, 1.463282f, 3.144064f});
    require_values(ops::softsign(points_wide), {-0.7142857f, -0.5f, -0.2307692f, 0.2857143f, 0.5454545f, 0.7560976f});
    require_values(ops::silu(points_wide),
                   {-0.1896455f, -0.2689414f, -0.1276672f, 0.2394751f, 0.9222297f, 2.966368f});
    require_values(ops::swish(points_wide), ops::silu(points_wide).to_vector(), 0.0f);
}

TEST_CASE("activations saturate without overflow or NaN at extreme inputs", "[activation]") {
    const Tensor x({4}, {-1000.0f, -100.0f, 100.0f, 1000.0f});
    require_values(ops::sigmoid(x), {0.0f, 0.0f, 1.0f, 1.0f});
    require_values(ops::tanh(x), {-1.0f, -1.0f, 1.0f, 1.0f});
    // F.softplus(100.) = 100, F.softplus(-100.) = 3.7e-44: log(1 + e^x) done naively overflows.
    require_values(ops::softplus(x), {0.0f, 0.0f, 100.0f, 1000.0f}, 1e-3f);
    require_values(ops::elu(x), {-1.0f, -1.0f, 100.0f, 1000.0f}, 1e-3f);
    require_values(ops::silu(x), {0.0f, 0.0f, 100.0f, 1000.0f}, 1e-3f);
    require_values(ops::gelu(x), {0.0f, 0.0f, 100.0f, 1000.0f}, 1e-3f);
    require_values(ops::gelu(x, true), {0.0f, 0.0f, 100.0f, 1000.0f}, 1e-3f);
    require_values(ops::softsign(x), {-1000.0f / 1001.0f, -100.0f / 101.0f, 100.0f / 101.0f, 1000.0f / 1001.0f});
}

TEST_CASE("softmax normalises the last axis by default and matches PyTorch", "[activation]") {
    const Tensor logits({2, 3}, {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 4.0f});
    const Tensor p = ops::softmax(logits);
    // torch.softmax(logits, -1)
    require_values(p, {0.09003057f, 0.2447285f, 0.665241f, 0.006497943f, 0.02912176f, 0.9643803f});
    for (std::size_t r = 0; r < 2; ++r) CHECK(p.at({r, 0}) + p.at({r, 1}) + p.at({r, 2}) == Approx(1.0f).margin(1e-6));
    require_values(ops::softmax(logits, 1), p.to_vector(), 0.0f);
}

TEST_CASE("softmax and log_softmax along axis 0 normalise columns", "[activation]") {
    const Tensor logits({2, 3}, {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 4.0f});
    // torch.softmax(logits, 0), torch.log_softmax(logits, 0)
    require_values(ops::softmax(logits, 0), {0.8807971f, 0.8175745f, 0.2689414f, 0.1192029f, 0.1824255f, 0.7310586f});
    require_values(ops::log_softmax(logits, 0),
                   {-0.126928f, -0.2014133f, -1.313262f, -2.126928f, -1.701413f, -0.3132617f});
    require_values(ops::log_softmax(logits, -2), ops::log_softmax(logits, 0).to_vector(), 0.0f);
}

TEST_CASE("log_softmax along the last axis matches PyTorch", "[activation]") {
    const Tensor logits({2, 3}, {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 4.0f});
    // torch.log_softmax(logits, -1)
    require_values(ops::log_softmax(logits), {-2.407606f, -1.407606f, -0.407606f, -5.03627f, -3.53627f, -0.03626957f});
}

TEST_CASE("softmax and log_softmax are stable for logits of 1000", "[activation]") {
    const Tensor logits({1, 3}, {1000.0f, 999.0f, 998.0f});
    // torch.softmax / torch.log_softmax of [1000, 999, 998]: e^1000 overflows without the max shift.
    require_values(ops::softmax(logits), {0.665241f, 0.2447285f, 0.09003057f});
    require_values(ops::log_softmax(logits), {-0.407606f, -1.407606f, -2.407606f}, 1e-4f);
    require_values(ops::softmax(Tensor({2}, {-1000.0f, 1000.0f})), {0.0f, 1.0f});
}

TEST_CASE("softmax over a middle axis of a rank-3 tensor matches the formula", "[activation]") {
    // x[i, j, k] = sin(i * 12 + j * 4 + k) * 3, softmax over j (extent 3) for each (i, k).
    Tensor x({2, 3, 4});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 3.0f * std::sin(static_cast<float>(i));
    const Tensor p = ops::softmax(x, 1);
    const Tensor lp = ops::log_softmax(x, 1);
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t k = 0; k < 4; ++k) {
            double total = 0.0;
            for (std::size_t j = 0; j < 3; ++j) total += std::exp(double(x.at({i, j, k})));
            for (std::size_t j = 0; j < 3; ++j) {
                INFO("i=" << i << " j=" << j << " k=" << k);
                CHECK(p.at({i, j, k}) == Approx(std::exp(double(x.at({i, j, k}))) / total).margin(1e-6));
                CHECK(lp.at({i, j, k}) == Approx(double(x.at({i, j, k})) - std::log(total)).margin(1e-5));
            }
        }
}

TEST_CASE("softmax rejects an axis out of range", "[activation]") {
    const Tensor x({2, 3});
    REQUIRE_THROWS_AS(ops::softmax(x, 2), kx::Error);
    REQUIRE_THROWS_WITH(ops::softmax(x, 2), Catch::Contains("ops::softmax: axis 2 is out of range") &&
                                                Catch::Contains("rank 2 (shape (2, 3))") &&
                                                Catch::Contains("[-2, 2)"));
    REQUIRE_THROWS_WITH(ops::log_softmax(x, -3), Catch::Contains("ops::log_softmax: axis -3"));
    REQUIRE_THROWS_WITH(ops::softmax(Tensor::scalar(1.0f)), Catch::Contains("rank 0"));
}

TEST_CASE("every elementwise activation passes a finite-difference gradient check", "[activation]") {
    const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> activations{
        {"relu", [](const Tensor& x) { return ops::relu(x); }},
        {"leaky_relu", [](const Tensor& x) { return ops::leaky_relu(x); }},
        {"leaky_relu 0.05", [](const Tensor& x) { return ops::leaky_relu(x, 0.05f); }},
        {"elu", [](const Tensor& x) { return ops::elu(x); }},
        {"elu 0.5", [](const Tensor& x) { return ops::elu(x, 0.5f); }},
        {"selu", [](const Tensor& x) { return ops::selu(x); }},
        {"gelu", [](const Tensor& x) { return ops::gelu(x); }},
        {"gelu tanh", [](const Tensor& x) { return ops::gelu(x, true); }},
        {"sigmoid", [](const Tensor& x) { return ops::sigmoid(x); }},
        {"hard_sigmoid", [](const Tensor& x) { return ops::hard_sigmoid(x); }},
        {"tanh", [](const Tensor& x) { return ops::tanh(x); }},
        {"softplus", [](const Tensor& x) { return ops::softplus(x); }},
        {"softsign", [](const Tensor& x) { return ops::softsign(x); }},
        {"silu", [](const Tensor& x) { return ops::silu(x); }},
    };
    for (const auto& [name, activation] : activations) {
        INFO(name);
        require_gradients_match([&](const std::vector<Tensor>& in) { return activation(in[0]); }, points);
    }
}

TEST_CASE("hard_sigmoid has zero gradient outside (-3, 3)", "[activation]") {
    const auto result = kx::testing::check_gradients(
        [](const std::vector<Tensor>& in) { return ops::hard_sigmoid(in[0]); }, {Tensor({3}, {-4.0f, 0.5f, 3.5f})});
    INFO(result.report);
    CHECK(result.ok);
    kx::Variable x("x", Tensor({3}, {-4.0f, 0.5f, 3.5f}));
    kx::backward(ops::hard_sigmoid(x), Tensor::ones({3}));
    require_values(x.grad(), {0.0f, 1.0f / 6.0f, 0.0f}, 1e-7f);
}

TEST_CASE("softmax and log_softmax pass finite-difference gradient checks on every axis", "[activation]") {
    Tensor cube({2, 3, 4});
    for (std::size_t i = 0; i < cube.size(); ++i) cube.data()[i] = std::sin(1.7f * static_cast<float>(i));
    for (int axis : {0, 1, -1}) {
        INFO("axis " << axis);
        require_gradients_match([axis](const std::vector<Tensor>& in) { return ops::softmax(in[0], axis); }, points);
        require_gradients_match([axis](const std::vector<Tensor>& in) { return ops::log_softmax(in[0], axis); },
                                points);
        require_gradients_match([axis](const std::vector<Tensor>& in) { return ops::softmax(in[0], axis); }, cube);
        require_gradients_match([axis](const std::vector<Tensor>& in) { return ops::log_softmax(in[0], axis); }, cube);
    }
}

TEST_CASE("activation backward adds into the gradient already accumulated", "[activation]") {
    kx::Variable x("x", Tensor({3}, {-1.0f, 0.5f, 2.0f}));
    kx::backward(ops::relu(x), Tensor::ones({3}));
    kx::backward(ops::softsign(x), Tensor::ones({3}));
    // relu' + softsign' = (x > 0) + 1 / (1 + |x|)^2
    require_values(x.grad(), {0.25f, 1.0f + 1.0f / 2.25f, 1.0f + 1.0f / 9.0f}, 1e-6f);
}

TEST_CASE("activations record nothing when no input needs a gradient", "[activation]") {
    const Tensor y = ops::softmax(ops::sigmoid(points));
    CHECK_FALSE(y.requires_grad());
    CHECK(y.impl()->grad_fn == nullptr);
}
