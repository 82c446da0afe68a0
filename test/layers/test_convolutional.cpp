#include "layer_test.hpp"
#include "support/conv_reference.hpp"

#include <optional>

using Catch::Matchers::Contains;

namespace {
// A layer config asking for data_format "channels_first", which kerasxx does not support.
nlohmann::json channels_first(const char* class_name) {
    return {{"class_name", class_name},
            {"config", {{"filters", 4}, {"kernel_size", 3}, {"data_format", "channels_first"}}}};
}

float total(const kx::Tensors& losses) {
    float sum = 0.0f;
    for (const kx::Tensor& loss : losses) sum += loss.item();
    return sum;
}
}  // namespace

// Reference values below: PyTorch in float64 on the same pattern() numbers, inputs permuted to
// channels_first and kernels to PyTorch's (out, in / groups, k...) layout, TF's "same" split
// applied with F.pad (odd row/column at the bottom/right), "causal" as F.pad(k_span - 1 zeros on
// the left), then F.conv1d / F.conv2d(..., groups), permuted back to channels_last.

// ---- Conv1D ------------------------------------------------------------------------------------

TEST_CASE("Conv1D passes the layer harness with valid, same, causal padding and groups", "[layers][conv-family]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv1D(3, 3, {.activation = "tanh"})); },
                    .input_shape = {2, 7, 2},
                    .expected_output_shape = {2, 5, 3},
                    .expected_weights = 2,
                    .expected_params = 3 * 2 * 3 + 3});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv1D(4, 3, {.strides = 2, .padding = "same"})); },
                    .input_shape = {2, 7, 2},
                    .expected_output_shape = {2, 4, 4},
                    .expected_weights = 2,
                    .expected_params = 3 * 2 * 4 + 4});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv1D(2, 3, {.padding = "causal", .dilation_rate = 2})); },
                    .input_shape = {1, 6, 3},
                    .expected_output_shape = {1, 6, 2},
                    .expected_weights = 2,
                    .expected_params = 3 * 3 * 2 + 2});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv1D(4, 2, {.groups = 2, .use_bias = false})); },
                    .input_shape = {2, 5, 4},
                    .expected_output_shape = {2, 4, 4},
                    .expected_weights = 1,
                    .expected_params = 2 * 2 * 4});
}

TEST_CASE("Conv1D matches PyTorch with valid, same and causal padding", "[layers][conv-family]") {
    const kx::Tensor x = pattern({1, 7, 2}, 7, 11, 5);
    const auto run = [&](kx::layers::Conv1D::Options options) {
        kx::layers::Conv1D conv(3, 3, std::move(options));
        conv.ensure_built({kx::None, 7, 2});
        conv.set_weights({pattern({3, 2, 3}, 5, 13, 6), kx::Tensor({3}, {0.1f, -0.2f, 0.3f})});
        return conv(x);
    };
    check_output(run({}), {1, 5, 3},
                 {0.633333f, 0.866667f, -0.266667f, 0.0333333f, -1.16667f, 1.03333f, 0.166667f, 0.466667f, -0.6f,
                  -1.16667f, 0.633333f, 1.06667f, 0.433333f, -1.03333f, 0.9f});
    check_output(run({.strides = 2, .padding = "same"}), {1, 4, 3},
                 {0.966667f, -0.633333f, 1.16667f, 0.0333333f, -1.16667f, 1.03333f, -1.16667f, 0.633333f, 1.06667f,
                  0.833333f, -0.466667f, -0.966667f});
    check_output(run({.padding = "causal", .dilation_rate = 2}), {1, 7, 3},
                 {0.0333333f, 0.533333f, 0.533333f, 0.633333f, -0.466667f, 0.533333f, 0.1f, -0.166667f, 0.8f, 0.5f,
                  -0.366667f, 0.0f, 0.9f, 0.0333333f, 0.4f, -1.16667f, 1.3f, 0.233333f, 0.433333f, -0.366667f,
                  0.0666667f});
}

TEST_CASE("Conv1D with causal padding never looks ahead", "[layers][conv-family]") {
    // Changing the last step of the input changes only the last step of the output.
    kx::layers::Conv1D conv(2, 3, {.padding = "causal", .dilation_rate = 2});
    kx::Tensor x = pattern({1, 8, 2}, 7, 11, 5);
    const std::vector<float> before = conv(x).to_vector();
    x.data()[7 * 2] += 1.0f;
    const std::vector<float> after = conv(x).to_vector();
    for (std::size_t i = 0; i < 7 * 2; ++i) CHECK(after[i] == before[i]);
    CHECK(after[7 * 2] != before[7 * 2]);
}

TEST_CASE("Conv1D with groups matches PyTorch's grouped convolution", "[layers][conv-family]") {
    kx::layers::Conv1D conv(4, 3, {.padding = "same", .groups = 2});
    conv.ensure_built({kx::None, 7, 2});
    CHECK(conv.kernel().shape() == kx::Shape{3, 1, 4});
    conv.set_weights({pattern({3, 1, 4}, 5, 13, 6), kx::Tensor({4}, {0.1f, -0.2f, 0.3f, -0.4f})});
    check_output(conv(pattern({1, 7, 2}, 7, 11, 5)), {1, 7, 4},
                 {0.266667f, -1.2f, 1.0f, -0.7f, 0.866667f, -0.433333f, -0.266667f, 0.133333f, -0.133333f, 0.0666667f,
                  1.16667f, -1.36667f, 0.7f, 0.566667f, 0.4f, -0.3f, -0.666667f, -1.13333f, -0.733333f, 0.4f,
                  0.533333f, -0.266667f, 0.7f, -1.1f, 0.366667f, 0.233333f, -0.233333f, 0.0666667f});
}

TEST_CASE("Conv1D loads a Keras config and writes Keras keys", "[layers][conv-family]") {
    const nlohmann::json keras = nlohmann::json::parse(R"({
        "class_name": "Conv1D",
        "config": {"name": "wave", "trainable": true, "dtype": "float32", "filters": 8, "kernel_size": [3],
                   "strides": [1], "padding": "causal", "data_format": "channels_last", "dilation_rate": [2],
                   "groups": 1, "activation": "relu", "use_bias": true,
                   "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                          "config": {"seed": null}, "registered_name": null},
                   "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                        "registered_name": null},
                   "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
                   "kernel_constraint": null, "bias_constraint": null}})");
    const kx::LayerHandle layer = kx::layers::deserialize(keras);
    CHECK(layer->name() == "wave");
    CHECK(layer->compute_output_shape({kx::None, 100, 4}) == kx::Shape{kx::None, 100, 8});
    const nlohmann::json config = layer->get_config();
    CHECK(config["kernel_size"].dump() == "[3]");
    CHECK(config["strides"].dump() == "[1]");
    CHECK(config["dilation_rate"].dump() == "[2]");
    CHECK(config["padding"] == "causal");
    CHECK(config["groups"] == 1);
    CHECK(config["activation"] == "relu");
    CHECK(config["kernel_regularizer"].is_null());
    CHECK(config["bias_constraint"].is_null());
    CHECK(config["data_format"] == "channels_last");
}

TEST_CASE("Conv1D rejects bad arguments and inputs with clear messages", "[layers][conv-family]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(kx::layers::Conv1D(0, 3), Contains("Conv1D") && Contains("filters=0"));
    REQUIRE_THROWS_WITH(kx::layers::Conv1D(4, 0), Contains("kernel_size=0"));
    REQUIRE_THROWS_WITH(kx::layers::Conv1D(4, 3, {.padding = "full"}),
                        Contains("'valid', 'same' or 'causal'") && Contains("padding='full'"));
    REQUIRE_THROWS_WITH(kx::layers::Conv1D(5, 3, {.groups = 2}),
                        Contains("evenly divisible by the number of groups") && Contains("groups=2, filters=5"));

    kx::layers::Conv1D conv(2, 3);
    REQUIRE_THROWS_WITH(conv(kx::Tensor({2, 5, 5, 1})),
                        Contains("Conv1D 'conv1d'") && Contains("rank 3") && Contains("(None, 5, 5, 1)"));
    kx::layers::Conv1D big(2, 5, {.dilation_rate = 1});
    REQUIRE_THROWS_WITH(big(kx::Tensor({1, 3, 1})),
                        Contains("Conv1D 'conv1d_1'") &&
                            Contains("kernel 5 with dilation 1 is larger than the input length 3"));
    kx::layers::Conv1D grouped(4, 3, {.groups = 2});
    REQUIRE_THROWS_WITH(grouped(kx::Tensor({1, 5, 3})),
                        Contains("input channels must be evenly divisible") && Contains("groups=2") &&
                            Contains("3 channels"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize(channels_first("Conv1D")), Contains("channels_first"));
}

// ---- Conv2D ------------------------------------------------------------------------------------

TEST_CASE("Conv2D passes the layer harness with valid padding", "[layers][conv-family]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv2D(3, 3, {.activation = "tanh"})); },
                    .input_shape = {2, 5, 5, 2},
                    .expected_output_shape = {2, 3, 3, 3},
                    .expected_weights = 2,
                    .expected_params = 3 * 3 * 2 * 3 + 3});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(kx::layers::Conv2D(2, {2, 3}, {.dilation_rate = 2, .use_bias = false}));
                    },
                    .input_shape = {1, 6, 7, 3},
                    .expected_output_shape = {1, 4, 3, 2},
                    .expected_weights = 1,
                    .expected_params = 2 * 3 * 3 * 2});
}

TEST_CASE("Conv2D passes the layer harness with same padding and strides", "[layers][conv-family]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv2D(4, {3, 2}, {.strides = 2, .padding = "same"})); },
                    .input_shape = {2, 5, 6, 2},
                    .expected_output_shape = {2, 3, 3, 4},
                    .expected_weights = 2,
                    .expected_params = 3 * 2 * 2 * 4 + 4});
}

TEST_CASE("Conv2D passes the layer harness with groups, regularizers and constraints", "[layers][conv-family]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv2D(6, 2, {.padding = "same", .groups = 3})); },
                    .input_shape = {1, 4, 5, 3},
                    .expected_output_shape = {1, 4, 5, 6},
                    .expected_weights = 2,
                    .expected_params = 2 * 2 * 1 * 6 + 6});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(kx::layers::Conv2D(
                            2, 3, {.kernel_regularizer = kx::regularizers::L2(1e-3), .bias_regularizer = "l1",
                                   .activity_regularizer = kx::regularizers::L1(1e-4), .kernel_constraint = "max_norm",
                                   .bias_constraint = "non_neg"}));
                    },
                    .input_shape = {1, 4, 4, 2},
                    .expected_output_shape = {1, 2, 2, 2},
                    .expected_weights = 2,
                    .expected_params = 3 * 3 * 2 * 2 + 2});
}

TEST_CASE("Conv2D computes the convolution of its weights plus bias, then the activation", "[layers][conv-family]") {
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

TEST_CASE("Conv2D with groups matches PyTorch's grouped convolution", "[layers][conv-family]") {
    kx::layers::Conv2D conv(6, 2, {.padding = "same", .groups = 2});
    conv.ensure_built({kx::None, 4, 3, 4});
    CHECK(conv.kernel().shape() == kx::Shape{2, 2, 2, 6});
    conv.set_weights({pattern({2, 2, 2, 6}, 5, 13, 6), kx::Tensor({6}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f})});
    check_output(conv(pattern({1, 4, 3, 4}, 7, 11, 5)), {1, 4, 3, 6},
                 {-0.866667f, 0.333333f, -0.7f, 0.6f, 0.833333f, -1.36667f, 1.5f, 0.333333f, 1.7f, 0.233333f, 1.8f,
                  -1.66667f, 0.366667f, 0.233333f, -1.26667f, 0.1f, -1.36667f, 0.366667f, 1.46667f, 0.333333f,
                  1.73333f, -0.133333f, 1.9f, -1.53333f, 0.533333f, -0.0333333f, -2.83333f, -1.23333f, -0.8f, 1.1f,
                  -0.5f, -1.46667f, 1.4f, 0.0f, 1.26667f, -2.06667f, 0.5f, -0.0333333f, -2.8f, -1.6f, -0.7f, 1.23333f,
                  -3.0f, -0.0333333f, 0.7f, 0.6f, 1.73333f, -3.46667f, 1.2f, -0.6f, 1.86667f, -0.1f, -0.866667f,
                  0.266667f, -1.76667f, 0.0f, 0.4f, 0.566667f, 0.666667f, -1.66667f, 0.433333f, 0.266667f, 1.33333f,
                  -1.9f, 0.7f, 0.866667f, 0.966667f, 0.166667f, -0.7f, -0.133333f, 1.26667f, -1.5f});
}

TEST_CASE("Conv2D adds its weight and activity regularizers to losses()", "[layers][conv-family]") {
    // kernel ones (2, 2, 1, 1): L2(0.1) gives 0.1 * 4 = 0.4; bias -2: L1(0.5) gives 1.0; outputs on
    // two copies of 1..9 are 10, 14, 22, 26 each: L1(0.25) gives 0.25 * 144 = 36 (Keras 3 adds the
    // activity penalty as it is, not per sample as Keras 2 did).
    kx::layers::Conv2D conv(1, 2, {.kernel_regularizer = kx::regularizers::L2(0.1),
                                   .bias_regularizer = kx::regularizers::L1(0.5),
                                   .activity_regularizer = kx::regularizers::L1(0.25)});
    conv.ensure_built({kx::None, 3, 3, 1});
    conv.set_weights({kx::Tensor::ones({2, 2, 1, 1}), kx::Tensor({1}, {-2.0f})});
    CHECK(total(conv.losses()) == Approx(1.4f));
    conv(kx::Tensor({2, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    CHECK(conv.losses().size() == 3);
    CHECK(total(conv.losses()) == Approx(37.4f));
}

TEST_CASE("Conv2D attaches its constraints to its weights", "[layers][conv-family]") {
    kx::layers::Conv2D conv(2, 3, {.kernel_constraint = kx::constraints::MaxNorm({.max_value = 3}),
                                   .bias_constraint = "non_neg"});
    conv.ensure_built({kx::None, 5, 5, 1});
    REQUIRE(conv.kernel().constraint() != nullptr);
    CHECK(conv.kernel().constraint()->class_name() == "MaxNorm");
    REQUIRE(conv.bias().constraint() != nullptr);
    CHECK(conv.bias().constraint()->class_name() == "NonNeg");
}

TEST_CASE("Conv2D writes its config with Keras keys and rebuilds from it", "[layers][conv-family]") {
    kx::layers::Conv2D conv(8, {3, 2}, {.strides = {2, 1}, .padding = "SAME", .dilation_rate = 1, .activation = "relu",
                                        .kernel_initializer = "he_normal", .kernel_regularizer = kx::regularizers::L2(0.5),
                                        .kernel_constraint = "non_neg", .name = "features"});
    const nlohmann::json config = conv.get_config();
    CHECK(config["name"] == "features");
    CHECK(config["filters"] == 8);
    CHECK(config["kernel_size"].dump() == "[3,2]");
    CHECK(config["strides"].dump() == "[2,1]");
    CHECK(config["padding"] == "same");
    CHECK(config["data_format"] == "channels_last");
    CHECK(config["dilation_rate"].dump() == "[1,1]");
    CHECK(config["groups"] == 1);
    CHECK(config["activation"] == "relu");
    CHECK(config["use_bias"] == true);
    CHECK(config["kernel_initializer"]["class_name"] == "HeNormal");
    CHECK(config["bias_initializer"]["class_name"] == "Zeros");
    CHECK(config["kernel_regularizer"]["class_name"] == "L2");
    CHECK(config["kernel_regularizer"]["config"]["l2"] == Approx(0.5));
    CHECK(config["bias_regularizer"].is_null());
    CHECK(config["activity_regularizer"].is_null());
    CHECK(config["kernel_constraint"]["class_name"] == "NonNeg");
    CHECK(config["bias_constraint"].is_null());
    const kx::LayerHandle rebuilt = kx::layers::deserialize({{"class_name", "Conv2D"}, {"config", config}});
    CHECK(rebuilt->get_config() == config);

    // Keras also writes bare integers in hand-made configs; both forms load.
    const kx::LayerHandle copy = kx::layers::deserialize(
        {{"class_name", "Conv2D"}, {"config", {{"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}}});
    CHECK(copy->compute_output_shape({kx::None, 28, 28, 1}) == kx::Shape{kx::None, 14, 14, 4});
    REQUIRE_THROWS_WITH(kx::layers::deserialize(channels_first("Conv2D")), Contains("channels_first"));
}

TEST_CASE("Conv2D names itself like Keras", "[layers][conv-family]") {
    kx::backend::clear_session();
    kx::layers::Conv2D a(4, 3), b(4, 3);
    CHECK(a.name() == "conv2d");
    CHECK(b.name() == "conv2d_1");
    CHECK(a.class_name() == "Conv2D");
    CHECK(kx::layers::Conv1D(4, 3).name() == "conv1d");
    CHECK(kx::layers::Conv2DTranspose(4, 3).name() == "conv2d_transpose");
    CHECK(kx::layers::DepthwiseConv2D(3).name() == "depthwise_conv2d");
    CHECK(kx::layers::SeparableConv2D(4, 3).name() == "separable_conv2d");
}

TEST_CASE("Conv2D rejects bad arguments and inputs with clear messages", "[layers][conv-family]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(0, 3), Contains("filters=0") && Contains("positive integer"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, {3, 0}), Contains("kernel_size=(3, 0)"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, 3, {.strides = 0}), Contains("strides=(0, 0)"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, 3, {.padding = "causal"}), Contains("'valid' or 'same'") && Contains("causal"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, 3, {.activation = "relux"}), Contains("relux"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(8, 3, {.groups = 3}),
                        Contains("Conv2D") && Contains("evenly divisible by the number of groups") &&
                            Contains("groups=3, filters=8"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(8, 3, {.groups = 0}), Contains("groups=0"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2D(4, 3, {.kernel_regularizer = "l3"}), Contains("l3"));

    kx::layers::Conv2D conv(4, 5);
    REQUIRE_THROWS_WITH(conv(kx::Tensor({2, 28, 28})),
                        Contains("Conv2D 'conv2d'") && Contains("rank 4") && Contains("(None, 28, 28)"));
    kx::layers::Conv2D big(4, 5);
    REQUIRE_THROWS_WITH(big(kx::Tensor({1, 3, 3, 1})),
                        Contains("Conv2D 'conv2d_1'") &&
                            Contains("kernel (5, 5) with dilation (1, 1) is larger than the input (3, 3)"));
    kx::layers::Conv2D built(4, 3);
    built(kx::Tensor({1, 8, 8, 3}));
    REQUIRE_THROWS_WITH(built(kx::Tensor({1, 8, 8, 2})), Contains("(None, 8, 8, 3)") && Contains("(1, 8, 8, 2)"));
    kx::layers::Conv2D grouped(4, 3, {.groups = 2});
    REQUIRE_THROWS_WITH(grouped(kx::Tensor({1, 8, 8, 3})),
                        Contains("Conv2D 'conv2d_3'") && Contains("input channels must be evenly divisible") &&
                            Contains("groups=2, but the input has 3 channels") && Contains("(None, 8, 8, 3)"));
    kx::layers::Conv2D unknown(4, 3);
    REQUIRE_THROWS_WITH(unknown.ensure_built(kx::Shape{kx::None, 8, 8, kx::None}), Contains("channel dimension"));
}

// ---- Conv2DTranspose ---------------------------------------------------------------------------

TEST_CASE("Conv2DTranspose passes the layer harness with strides, output_padding and dilation", "[layers][conv-family]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Conv2DTranspose(3, {3, 2})); },
                    .input_shape = {2, 3, 4, 2},
                    .expected_output_shape = {2, 5, 5, 3},
                    .expected_weights = 2,
                    .expected_params = 3 * 2 * 3 * 2 + 3});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(
                            kx::layers::Conv2DTranspose(2, 3, {.strides = 2, .padding = "same", .activation = "sigmoid"}));
                    },
                    .input_shape = {1, 3, 3, 2},
                    .expected_output_shape = {1, 6, 6, 2},
                    .expected_weights = 2,
                    .expected_params = 3 * 3 * 2 * 2 + 2});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(
                            kx::layers::Conv2DTranspose(2, 3, {.strides = {2, 3}, .output_padding = kx::ops::Size2{1, 2}}));
                    },
                    .input_shape = {1, 3, 2, 2},
                    .expected_output_shape = {1, 8, 8, 2},
                    .expected_weights = 2,
                    .expected_params = 3 * 3 * 2 * 2 + 2});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(kx::layers::Conv2DTranspose(2, 2, {.dilation_rate = 2, .use_bias = false}));
                    },
                    .input_shape = {1, 3, 3, 1},
                    .expected_output_shape = {1, 5, 5, 2},
                    .expected_weights = 1,
                    .expected_params = 2 * 2 * 2 * 1});
}

TEST_CASE("Conv2DTranspose spreads each pixel over a kernel-sized window", "[layers][conv-family]") {
    // Input pixels 1 and 2 side by side, kernel [[1, 2], [3, 4]], stride 2: the two scaled copies of
    // the kernel tile the output without overlap, plus the bias 0.5.
    kx::layers::Conv2DTranspose conv(1, 2, {.strides = 2});
    conv.ensure_built({kx::None, 1, 2, 1});
    CHECK(conv.kernel().shape() == kx::Shape{2, 2, 1, 1});
    conv.set_weights({kx::Tensor({2, 2, 1, 1}, {1, 2, 3, 4}), kx::Tensor({1}, {0.5f})});
    const kx::Tensor x({1, 1, 2, 1}, {1, 2});
    const kx::Tensor y = conv(x);
    CHECK(y.shape() == kx::Shape{1, 2, 4, 1});
    CHECK(y.to_vector() == std::vector<float>{1.5f, 2.5f, 2.5f, 4.5f, 3.5f, 4.5f, 6.5f, 8.5f});

    // output_padding (1, 1) adds a row and a column that only the bias reaches.
    kx::layers::Conv2DTranspose padded(1, 2, {.strides = 2, .output_padding = kx::ops::Size2{1, 1}});
    padded.ensure_built({kx::None, 1, 2, 1});
    padded.set_weights(conv.get_weights());
    CHECK(padded(x).to_vector() == std::vector<float>{1.5f, 2.5f, 2.5f, 4.5f, 0.5f, 3.5f, 4.5f, 6.5f, 8.5f, 0.5f,
                                                      0.5f, 0.5f, 0.5f, 0.5f, 0.5f});
}

TEST_CASE("Conv2DTranspose infers output shapes like Keras, unknown sizes included", "[layers][conv-family]") {
    kx::layers::Conv2DTranspose same(4, 3, {.strides = 2, .padding = "same"});
    CHECK(same.compute_output_shape({kx::None, 7, kx::None, 2}) == kx::Shape{kx::None, 14, kx::None, 4});
    kx::layers::Conv2DTranspose valid(4, 3, {.strides = 2});
    CHECK(valid.compute_output_shape({kx::None, 7, 5, 2}) == kx::Shape{kx::None, 15, 11, 4});
    kx::layers::Conv2DTranspose extra(4, 3, {.strides = 2, .padding = "same", .output_padding = kx::ops::Size2{0, 1}});
    CHECK(extra.compute_output_shape({kx::None, 7, 5, 2}) == kx::Shape{kx::None, 13, 10, 4});
}

TEST_CASE("Conv2DTranspose round-trips its config, output_padding included", "[layers][conv-family]") {
    kx::layers::Conv2DTranspose conv(4, {3, 2}, {.strides = 2, .padding = "same", .output_padding = kx::ops::Size2{1, 0},
                                                 .bias_regularizer = "l2", .name = "up"});
    const nlohmann::json config = conv.get_config();
    CHECK(config["output_padding"].dump() == "[1,0]");
    CHECK(config["kernel_size"].dump() == "[3,2]");
    CHECK(config["bias_regularizer"]["class_name"] == "L2");
    CHECK(kx::layers::deserialize({{"class_name", "Conv2DTranspose"}, {"config", config}})->get_config() == config);
    CHECK(kx::layers::Conv2DTranspose(4, 3).get_config()["output_padding"].is_null());
}

TEST_CASE("Conv2DTranspose rejects bad arguments and inputs with clear messages", "[layers][conv-family]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(kx::layers::Conv2DTranspose(0, 3), Contains("Conv2DTranspose") && Contains("filters=0"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2DTranspose(4, 3, {.strides = 2, .output_padding = kx::ops::Size2{2, 1}}),
                        Contains("strides must be greater than output_padding") &&
                            Contains("strides=(2, 2), output_padding=(2, 1)"));
    REQUIRE_THROWS_WITH(kx::layers::Conv2DTranspose(4, 3, {.padding = "full"}), Contains("'valid' or 'same'"));
    kx::layers::Conv2DTranspose conv(4, 3);
    REQUIRE_THROWS_WITH(conv(kx::Tensor({2, 5, 5})),
                        Contains("Conv2DTranspose 'conv2d_transpose'") && Contains("rank 4") && Contains("(None, 5, 5)"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize(channels_first("Conv2DTranspose")), Contains("channels_first"));
}

// ---- DepthwiseConv2D ---------------------------------------------------------------------------

TEST_CASE("DepthwiseConv2D passes the layer harness with depth_multiplier, strides and dilation", "[layers][conv-family]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::DepthwiseConv2D(3)); },
                    .input_shape = {2, 5, 5, 2},
                    .expected_output_shape = {2, 3, 3, 2},
                    .expected_weights = 2,
                    .expected_params = 3 * 3 * 2 + 2});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(
                            kx::layers::DepthwiseConv2D({3, 2}, {.strides = 2, .padding = "same", .depth_multiplier = 2}));
                    },
                    .input_shape = {1, 5, 4, 3},
                    .expected_output_shape = {1, 3, 2, 6},
                    .expected_weights = 2,
                    .expected_params = 3 * 2 * 3 * 2 + 6});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(kx::layers::DepthwiseConv2D(
                            2, {.dilation_rate = 2, .activation = "tanh", .use_bias = false,
                                .depthwise_regularizer = "l2", .depthwise_constraint = "non_neg"}));
                    },
                    .input_shape = {1, 5, 5, 2},
                    .expected_output_shape = {1, 3, 3, 2},
                    .expected_weights = 1,
                    .expected_params = 2 * 2 * 2});
}

TEST_CASE("DepthwiseConv2D convolves each channel with its own filters", "[layers][conv-family]") {
    // Channel 0 = 1, 2, 3, 4 and channel 1 = 10, 20, 30, 40 over a 2x2 image; 2x2 filters, two per
    // channel: (c0, m0) all ones -> 10; (c0, m1) top-left only -> 1; (c1, m0) bottom-right only ->
    // 40; (c1, m1) all 0.5 -> 50. Bias (0.5, 0, 0, -1).
    kx::layers::DepthwiseConv2D conv(2, {.depth_multiplier = 2});
    conv.ensure_built({kx::None, 2, 2, 2});
    CHECK(conv.kernel().shape() == kx::Shape{2, 2, 2, 2});
    // (u, v, c, m) row-major: each tap lists (c0 m0, c0 m1, c1 m0, c1 m1).
    conv.set_weights({kx::Tensor({2, 2, 2, 2}, {1, 1, 0, 0.5f, 1, 0, 0, 0.5f, 1, 0, 0, 0.5f, 1, 0, 1, 0.5f}),
                      kx::Tensor({4}, {0.5f, 0, 0, -1})});
    const kx::Tensor y = conv(kx::Tensor({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40}));
    CHECK(y.shape() == kx::Shape{1, 1, 1, 4});
    CHECK(y.to_vector() == std::vector<float>{10.5f, 1, 40, 49});
}

TEST_CASE("DepthwiseConv2D writes its config with Keras keys and rebuilds from it", "[layers][conv-family]") {
    kx::layers::DepthwiseConv2D conv({3, 1}, {.strides = {1, 2}, .padding = "same", .depth_multiplier = 3,
                                              .depthwise_initializer = "he_uniform", .depthwise_constraint = "unit_norm"});
    const nlohmann::json config = conv.get_config();
    CHECK(config["kernel_size"].dump() == "[3,1]");
    CHECK(config["strides"].dump() == "[1,2]");
    CHECK(config["depth_multiplier"] == 3);
    CHECK(config["depthwise_initializer"]["class_name"] == "HeUniform");
    CHECK(config["depthwise_constraint"]["class_name"] == "UnitNorm");
    CHECK(config["depthwise_regularizer"].is_null());
    CHECK(!config.contains("filters"));
    CHECK(kx::layers::deserialize({{"class_name", "DepthwiseConv2D"}, {"config", config}})->get_config() == config);
    CHECK(conv.compute_output_shape({kx::None, 9, 9, 4}) == kx::Shape{kx::None, 9, 5, 12});
}

TEST_CASE("DepthwiseConv2D rejects bad arguments and inputs with clear messages", "[layers][conv-family]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(kx::layers::DepthwiseConv2D(3, {.depth_multiplier = 0}),
                        Contains("DepthwiseConv2D") && Contains("depth_multiplier=0"));
    REQUIRE_THROWS_WITH(kx::layers::DepthwiseConv2D({0, 3}), Contains("kernel_size=(0, 3)"));
    kx::layers::DepthwiseConv2D conv(3);
    REQUIRE_THROWS_WITH(conv(kx::Tensor({2, 5, 5})),
                        Contains("DepthwiseConv2D 'depthwise_conv2d'") && Contains("rank 4") && Contains("(None, 5, 5)"));
    kx::layers::DepthwiseConv2D big(3, {.dilation_rate = 2});
    REQUIRE_THROWS_WITH(big(kx::Tensor({1, 4, 4, 1})),
                        Contains("DepthwiseConv2D 'depthwise_conv2d_1'") &&
                            Contains("kernel (3, 3) with dilation (2, 2) is larger than the input (4, 4)"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize(channels_first("DepthwiseConv2D")), Contains("channels_first"));
}

// ---- SeparableConv2D ---------------------------------------------------------------------------

TEST_CASE("SeparableConv2D passes the layer harness with depth_multiplier and strides", "[layers][conv-family]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::SeparableConv2D(4, 3)); },
                    .input_shape = {2, 5, 5, 2},
                    .expected_output_shape = {2, 3, 3, 4},
                    .expected_weights = 3,
                    .expected_params = 3 * 3 * 2 + 2 * 4 + 4});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(kx::layers::SeparableConv2D(
                            3, {3, 2}, {.strides = 2, .padding = "same", .depth_multiplier = 2, .use_bias = false,
                                        .pointwise_regularizer = "l1", .pointwise_constraint = "max_norm"}));
                    },
                    .input_shape = {1, 5, 4, 2},
                    .expected_output_shape = {1, 3, 2, 3},
                    .expected_weights = 2,
                    .expected_params = 3 * 2 * 2 * 2 + 4 * 3});
}

TEST_CASE("SeparableConv2D matches PyTorch's depthwise then pointwise convolution", "[layers][conv-family]") {
    kx::layers::SeparableConv2D conv(3, 2, {.depth_multiplier = 2});
    conv.ensure_built({kx::None, 4, 3, 2});
    CHECK(conv.depthwise_kernel().shape() == kx::Shape{2, 2, 2, 2});
    CHECK(conv.pointwise_kernel().shape() == kx::Shape{1, 1, 4, 3});
    conv.set_weights({pattern({2, 2, 2, 2}, 5, 13, 6), pattern({1, 1, 4, 3}, 3, 7, 3), kx::Tensor({3}, {0.1f, -0.2f, 0.3f})});
    check_output(conv(pattern({1, 4, 3, 2}, 7, 11, 5)), {1, 3, 2, 3},
                 {0.488889f, 0.133333f, 0.344444f, -2.51111f, -0.777778f, -0.266667f, 2.12222f, -1.13333f, 1.07778f,
                  -0.0222222f, -0.455556f, -0.633333f, 0.333333f, 0.777778f, 0.466667f, 2.46667f, 0.111111f, -1.36667f});
}

TEST_CASE("SeparableConv2D writes its config with Keras keys and rebuilds from it", "[layers][conv-family]") {
    kx::layers::SeparableConv2D conv(16, 3, {.padding = "same", .depth_multiplier = 2, .activation = "relu",
                                             .pointwise_initializer = "he_normal", .depthwise_regularizer = "l2",
                                             .bias_constraint = "non_neg", .name = "sep"});
    const nlohmann::json config = conv.get_config();
    CHECK(config["name"] == "sep");
    CHECK(config["filters"] == 16);
    CHECK(config["depth_multiplier"] == 2);
    CHECK(config["depthwise_initializer"]["class_name"] == "GlorotUniform");
    CHECK(config["pointwise_initializer"]["class_name"] == "HeNormal");
    CHECK(config["depthwise_regularizer"]["class_name"] == "L2");
    CHECK(config["pointwise_regularizer"].is_null());
    CHECK(config["bias_constraint"]["class_name"] == "NonNeg");
    CHECK(kx::layers::deserialize({{"class_name", "SeparableConv2D"}, {"config", config}})->get_config() == config);
    CHECK(conv.compute_output_shape({kx::None, 9, kx::None, 4}) == kx::Shape{kx::None, 9, kx::None, 16});
}

TEST_CASE("SeparableConv2D rejects bad arguments and inputs with clear messages", "[layers][conv-family]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(kx::layers::SeparableConv2D(0, 3), Contains("SeparableConv2D") && Contains("filters=0"));
    REQUIRE_THROWS_WITH(kx::layers::SeparableConv2D(4, 3, {.padding = "causal"}), Contains("'valid' or 'same'"));
    kx::layers::SeparableConv2D conv(4, 3);
    REQUIRE_THROWS_WITH(conv(kx::Tensor({2, 5, 5, 1, 1})),
                        Contains("SeparableConv2D 'separable_conv2d'") && Contains("rank 4"));
    kx::layers::SeparableConv2D big(4, 5);
    REQUIRE_THROWS_WITH(big(kx::Tensor({1, 3, 8, 1})),
                        Contains("SeparableConv2D 'separable_conv2d_1'") &&
                            Contains("kernel (5, 5) with dilation (1, 1) is larger than the input (3, 8)"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize(channels_first("SeparableConv2D")), Contains("channels_first"));
}

// ---- In models ---------------------------------------------------------------------------------

TEST_CASE("Convolution layers compose in a functional model and train", "[layers][conv-family]") {
    kx::utils::set_random_seed(3);
    const kx::SymbolicTensor in = kx::Input({8, 8, 3});
    kx::SymbolicTensor x = kx::layers::SeparableConv2D(4, 3, {.padding = "same", .activation = "relu"})(in);
    x = kx::layers::DepthwiseConv2D(3, {.strides = 2, .padding = "same", .depth_multiplier = 2})(x);
    x = kx::layers::Conv2D(4, 1, {.groups = 2, .kernel_regularizer = "l2"})(x);
    x = kx::layers::Conv2DTranspose(2, 3, {.strides = 2, .padding = "same"})(x);
    CHECK(x.shape() == kx::Shape{kx::None, 8, 8, 2});
    kx::Model model(in, x);
    model.compile({.optimizer = "adam", .loss = "mse"});
    const kx::Tensor data = pattern({4, 8, 8, 3}, 7, 11, 5);
    const kx::Tensor target = pattern({4, 8, 8, 2}, 3, 7, 3);
    const float before = model.evaluate(data, target, {.verbose = 0}).at("loss");
    model.fit(data, target, {.epochs = 20, .batch_size = 4, .verbose = 0});
    CHECK(model.evaluate(data, target, {.verbose = 0}).at("loss") < before);
    CHECK(model.predict(data).shape() == kx::Shape{4, 8, 8, 2});
}
