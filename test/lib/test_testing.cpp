#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "tape.hpp"

namespace {
// x^2 with a deliberately wrong backward (x instead of 2x): the check must catch it.
kx::Tensor bad_square(const kx::Tensor& x) {
    kx::Tensor y = x.clone();
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] *= y.data()[i];
    return kx::detail::record("bad_square", y, {x}, [x = x.detach()](const kx::Tensor& dy, kx::detail::InputGrads& dx) {
        kx::Tensor g = dx.acc(0);
        for (std::size_t i = 0; i < g.size(); ++i) g.data()[i] += dy.data()[i] * x.data()[i];
    });
}

class Scale : public kx::Layer {
public:
    void build(const kx::Shape& input_shape) override { alpha_ = add_weight("alpha", {input_shape.back()}, "random_normal"); }
    kx::Tensor call(const kx::Tensor& x, bool) override { return kx::ops::tanh(x * alpha_); }

private:
    kx::Variable alpha_;
};
}  // namespace

TEST_CASE("check_gradients accepts a correct gradient and reports a wrong one", "[testing]") {
    const kx::Tensor x({3}, {0.5f, -1.0f, 2.0f});
    const auto good = kx::testing::check_gradients([](const std::vector<kx::Tensor>& in) { return kx::ops::square(in[0]); }, {x});
    CHECK(good.ok);
    CHECK(good.max_error < 1e-3f);
    const auto bad = kx::testing::check_gradients([](const std::vector<kx::Tensor>& in) { return bad_square(in[0]); }, {x});
    CHECK_FALSE(bad.ok);
    CHECK(bad.max_error > 0.3f);
    CHECK_THAT(bad.report, Catch::Matchers::Contains("input 0 [0]"));
}

TEST_CASE("check_gradients on a custom layer covers its input and its weights", "[testing]") {
    Scale layer;
    const kx::Tensor x({2, 3}, {0.1f, -0.4f, 0.8f, 0.3f, 0.2f, -0.6f});
    const auto result = kx::testing::check_gradients(layer, x);
    INFO(result.report);
    CHECK(result.ok);
    CHECK(layer.built());
    CHECK(layer.name().rfind("scale", 0) == 0);
}
