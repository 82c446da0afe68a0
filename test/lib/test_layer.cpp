#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <nlohmann/json.hpp>

using Catch::Matchers::Contains;

namespace {
// The DESIGN.md custom layer: forward only.
class Scale : public kx::Layer {
public:
    void build(const kx::Shape& input_shape) override {
        alpha_ = add_weight("alpha", {input_shape.back()}, "ones");
        frozen_ = add_weight("offset", {1}, "zeros", /*trainable=*/false);
        ++builds;
    }
    kx::Tensor call(const kx::Tensor& x, bool) override { return x * alpha_ + frozen_; }
    int builds = 0;

private:
    kx::Variable alpha_, frozen_;
};
}  // namespace

TEST_CASE("A custom layer builds once, on its first input", "[layer]") {
    Scale layer;
    CHECK_FALSE(layer.built());
    const kx::Tensor y = layer(kx::Tensor({2, 3}, {1, 2, 3, 4, 5, 6}));
    layer(kx::Tensor({5, 3}));
    CHECK(layer.builds == 1);
    CHECK(layer.input_shape() == kx::Shape{kx::None, 3});
    CHECK(layer.output_shape() == kx::Shape{kx::None, 3});
    CHECK(y.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(layer.class_name() == "Scale");
}

TEST_CASE("A layer separates trainable and non-trainable weights and freezes on request", "[layer]") {
    Scale layer;
    layer(kx::Tensor({1, 4}));
    CHECK(layer.weights().size() == 2);
    CHECK(layer.trainable_weights().size() == 1);
    CHECK(layer.non_trainable_weights().size() == 1);
    CHECK(layer.count_params() == 5);
    layer.set_trainable(false);
    CHECK(layer.trainable_weights().empty());
    layer.set_trainable(true);   // restores what add_weight declared, the offset stays frozen
    CHECK(layer.trainable_weights().size() == 1);
    CHECK(layer.trainable_weights()[0].name() == layer.name() + "/alpha");
}

TEST_CASE("get_weights copies and set_weights validates count and shapes", "[layer]") {
    Scale layer;
    layer(kx::Tensor({1, 2}));
    std::vector<kx::Tensor> w = layer.get_weights();
    w[0].data()[0] = 5;
    CHECK(layer.get_weights()[0].data()[0] == 1.0f);   // a copy, not a view
    layer.set_weights(w);
    CHECK(layer.get_weights()[0].data()[0] == 5.0f);
    REQUIRE_THROWS_WITH(layer.set_weights({w[0]}), Contains("list of 2") && Contains("got 1"));
    REQUIRE_THROWS_WITH(layer.set_weights({kx::Tensor({3}), w[1]}), Contains("(2,)") && Contains("(3,)"));
}

TEST_CASE("A layer rejects inputs of another shape than it was built for", "[layer]") {
    Scale layer;
    layer(kx::Tensor({2, 3}));
    REQUIRE_THROWS_WITH(layer(kx::Tensor({2, 4})), Contains("expected input shape (None, 3)") && Contains("(2, 4)"));
    REQUIRE_THROWS_WITH(layer(kx::Tensor({2, 3, 1})), Contains("(2, 3, 1)"));
}

TEST_CASE("Gradients flow through a custom layer into its weights", "[layer]") {
    Scale layer;
    const kx::Tensor x({2, 2}, {1, 2, 3, 4});
    const kx::Tensor loss = kx::ops::sum(layer(x));
    kx::backward(loss);
    // d(sum(x * alpha))/d(alpha_j) = sum_i x_ij
    CHECK(layer.trainable_weights()[0].grad().to_vector() == std::vector<float>{4, 6});
    CHECK_FALSE(layer.non_trainable_weights()[0].grad().defined());
}

TEST_CASE("The registry rebuilds layers from config and accepts custom ones", "[layer][registry]") {
    kx::layers::register_layer("Scale", [](const nlohmann::json&) { return kx::LayerHandle(Scale()); });
    kx::LayerHandle layer = kx::layers::deserialize({{"class_name", "Scale"}, {"config", {{"name", "s"}}}});
    CHECK(layer->class_name() == "Scale");
    REQUIRE_THROWS_WITH(kx::layers::deserialize({{"class_name", "Conv9D"}, {"config", nlohmann::json::object()}}),
                        Contains("Conv9D") && Contains("Dense") && Contains("register_layer"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize({{"class_name", "Dense"}, {"config", {{"name", "d"}}}}),
                        Contains("invalid config for Dense"));
}
