// A layer of your own: write build() and call(), let autograd differentiate it, check its
// gradients with kx::testing::check_gradients, then train a model that uses it.
//
//   custom_layer
#include <kerasxx/kerasxx.hpp>

#include <cstdio>
#include <iostream>

// y = x * alpha + beta, per feature: a learnable affine rescaling (Keras' Rescaling, learned).
class Affine : public kx::Layer {
public:
    void build(const kx::Shape& input_shape) override {
        alpha_ = add_weight("alpha", {input_shape.back()}, "ones");
        beta_ = add_weight("beta", {input_shape.back()}, "zeros");
    }
    kx::Tensor call(const kx::Tensor& x, bool /*training*/) override { return x * alpha_ + beta_; }

private:
    kx::Variable alpha_, beta_;
};

int main() {
    kx::utils::set_random_seed(7);
    // 1. Its gradients agree with finite differences.
    Affine probe;
    const kx::Tensor sample({4, 3}, {0.5f, -1.f, 2.f, 0.1f, 0.3f, -0.7f, 1.5f, 0.2f, -0.4f, 0.9f, -1.2f, 0.6f});
    const kx::testing::GradientCheckResult check = kx::testing::check_gradients(probe, sample);
    std::printf("gradient check: %s (max relative error %.2e)\n", check.ok ? "ok" : "FAILED", check.max_error);
    if (!check.ok) {
        std::cerr << check.report;
        return 1;
    }

    // 2. It trains inside a model: learn y = 3x - 1 per feature.
    kx::Tensor x = kx::Tensor::empty({256, 3});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 17) / 8.0f - 1.0f;
    const kx::Tensor y = x * 3.0f - 1.0f;
    kx::Sequential model({kx::layers::Input({3}), Affine()});
    model.compile({.optimizer = kx::optimizers::SGD(0.1), .loss = "mse"});
    model.fit(x, y, {.epochs = 50, .batch_size = 32, .verbose = 0});
    const std::vector<kx::Tensor> weights = model.get_weights();
    std::printf("alpha=%.3f beta=%.3f (target 3, -1)\n", weights[0].data()[0], weights[1].data()[0]);
    std::printf("final_loss=%.6f\n", model.evaluate(x, y, {.verbose = 0}).at("loss"));
}
