#include "layer_test.hpp"

using Catch::Matchers::Contains;

TEST_CASE("Conv2D passes the layer harness with valid padding", "[layers][conv]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv2D(3, 3, {.activation = "tanh"})); },
                    .input_shape = {2, 5, 5, 2},
                    .expected_output_shape = {2, 3, 3, 3},
                    .expected_weights = 2,
                    .expected_params = 3 * 3 * 2 * 3 + 3});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv2D(2, {2, 3}, {.dilation_rate = 2, .use_bias = false})); },
                    .input_shape = {1, 6, 7, 3},
                    .expected_output_shape = {1, 4, 3, 2},
                    .expected_weights = 1,
                    .expected_params = 2 * 3 * 3 * 2});
}

TEST_CASE("Conv2D passes the layer harness with same padding and strides", "[layers][conv]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv2D(4, {3, 2}, {.strides = 2, .padding = "same"})); },
                    .input_shape = {2, 5, 6, 2},
                    .expected_output_shape = {2, 3, 3, 4},
                    .expected_weights = 2,
                    .expected_params = 3 * 2 * 2 * 4 + 4});
}

TEST_CASE("Conv2D computes the convolution of its weights plus bias, then the activation", "[layers][conv]") {
    // One 2x2 filter summing the window, bias -10, relu: on 1..9 in a 3x3 image the window sums are
    // 12, 16, 24, 28, so the outputs are 2, 6, 14, 18.
    kx::layers::Conv2D conv(1, 2, {.activation = "relu"});
    conv.ensure_built({kx::None, 3, 3, 1});
    conv.set_weights({kx::Tensor::ones({2, 2, 1, 1}), kx::Tensor({1}, {-10.0f})});
    const kx::Tensor y = conv(kx::Tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
    CHECK(y.shape() == kx::Shape{1, 2, 2, 1});
    CHECK(y.to_vector() == std::vector<float>{2, 6, 14, 18});
    conv.set_weights({kx::Tensor::ones({2, 2, 1, 1}), kx::Tensor({1}, {-20.0f})});
    CHECK(conv(kx::Tensor({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9})).to_vector() == std::vector<float>{0, 0, 4, 8});
}

TEST_CASE("Conv2D writes its config with Keras keys and rebuilds from it", "[layers][conv]") {
    kx::layers::Conv2D conv(8, {3, 2}, {.strides = {2, 1}, .padding = "SAME", .dilation_rate = 1, .activation = "relu",
                                        .kernel_initializer = "he_normal", .name = "features"});
    const nlohmann::json config = conv.get_config();
    CHECK(config["name"] == "features");
    CHECK(config["filters"] == 8);
    CHECK(config["kernel_size"].dump() == "[3,2]");
    CHECK(config["strides"].dump() == "[2,1]");
    CHECK(config["padding"] == "same");
    CHECK(config["data_format"] == "channels_last");
    CHECK(config["dilation_rate"].dump() == "[1,1]");
    CHECK(config["activation"] == "relu");
    CHECK(config["use_bias"] == true);
    CHECK(config["kernel_initializer"]["class_name"] == "HeNormal");
    CHECK(config["bias_initializer"]["class_name"] == "Zeros");

    // Keras also writes bare integers in hand-made configs; both forms load.
    const kx::LayerHandle copy = kx::layers::deserialize(
        {{"class_name", "Conv2D"}, {"config", {{"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}}});
    CHECK(copy->compute_output_shape({kx::None, 28, 28, 1}) == kx::Shape{kx::None, 14, 14, 4});
    REQUIRE_THROWS_WITH(kx::layers::deserialize({{"class_name", "Conv2D"},
                                                 {"config", {{"filters", 4}, {"kernel_size", 3}, {"data_format", "channels_first"}}}}),
                        Contains("channels_first"));
}

TEST_CASE("Conv2D names itself like Keras", "[layers][conv]") {
    kx::backend::clear_session();
    kx::layers::Conv2D a(4, 3), b(4, 3);
    CHECK(a.name() == "conv2d");
    CHECK(b.name() == "conv2d_1");
    CHECK(a.class_name() == "Conv2D");
}

TEST_CASE("Conv2D rejects bad arguments and inputs with clear messages", "[layers][conv]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(0, 3), Contains("filters=0") && Contains("positive integer"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, {3, 0}), Contains("kernel_size=(3, 0)"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, 3, {.strides = 0}), Contains("strides=(0, 0)"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, 3, {.padding = "causal"}), Contains("'valid' or 'same'") && Contains("causal"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, 3, {.activation = "relux"}), Contains("relux"));

    kx::layers::Conv2D conv(4, 5);
    REQUIRE_THROWS_WITH(conv(kx::Tensor({2, 28, 28})), Contains("Conv2D 'conv2d'") && Contains("rank 4") && Contains("(None, 28, 28)"));
    kx::layers::Conv2D big(4, 5);
    REQUIRE_THROWS_WITH(big(kx::Tensor({1, 3, 3, 1})), Contains("Conv2D 'conv2d_1'") &&
                                                          Contains("kernel (5, 5) with dilation (1, 1) is larger than the input (3, 3)"));
    kx::layers::Conv2D built(4, 3);
    built(kx::Tensor({1, 8, 8, 3}));
    REQUIRE_THROWS_WITH(built(kx::Tensor({1, 8, 8, 2})), Contains("(None, 8, 8, 3)") && Contains("(1, 8, 8, 2)"));
}
