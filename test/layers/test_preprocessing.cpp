#include "layer_test.hpp"

#include <cmath>
#include <memory>

using Catch::Matchers::Contains;
using kx::layers::Normalization;
using kx::layers::Rescaling;

namespace {
// Keras' docstring data: 4 samples of 3 features; mean (1, 8, 5), biased variance (1, 1, 1).
const kx::Tensor keras_data({4, 3}, {0, 7, 4, 2, 9, 6, 0, 7, 4, 2, 9, 6});

std::shared_ptr<Normalization> adapted(Normalization::Options options, const kx::Tensor& data) {
    auto layer = std::make_shared<Normalization>(std::move(options));
    layer->adapt(data);
    return layer;
}

void check_close(const kx::Tensor& got, const std::vector<float>& expected, double margin = 1e-6) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(got.data()[i] == Approx(expected[i]).margin(margin));
    }
}
}  // namespace

TEST_CASE("Rescaling and Normalization pass the layer harness", "[layers][embedding-preprocessing]") {
    run_layer_test({.make = [] { return kx::LayerHandle(Rescaling(1.0 / 255)); },
                    .input_shape = {2, 3},
                    .expected_output_shape = {2, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(Rescaling(2.0, {.offset = -1})); },
                    .input_shape = {2, 2, 2, 3},
                    .expected_output_shape = {2, 2, 2, 3}});
    // Adapted: mean, variance (3,) and count () are non-trainable weights, 2 * 3 + 1 values.
    run_layer_test({.make = [] { return kx::LayerHandle(adapted({}, keras_data)); },
                    .input_shape = {2, 3},
                    .expected_output_shape = {2, 3},
                    .expected_weights = 3,
                    .expected_params = 7});
    run_layer_test({.make = [] { return kx::LayerHandle(adapted({.axis = {1}, .invert = true}, layer_test_input({5, 4, 2}))); },
                    .input_shape = {2, 4, 2},
                    .expected_output_shape = {2, 4, 2},
                    .expected_weights = 3,
                    .expected_params = 9});
    run_layer_test({.make = [] { return kx::LayerHandle(adapted({.axis = {}}, keras_data)); },
                    .input_shape = {3, 3},
                    .expected_output_shape = {3, 3},
                    .expected_weights = 3,
                    .expected_params = 3});
    // Given statistics are constants in the config, not weights.
    run_layer_test({.make = [] {
                        return kx::LayerHandle(Normalization({.mean = kx::Tensor({3}, {1, 2, 3}),
                                                              .variance = kx::Tensor({3}, {4, 1, 0.25f})}));
                    },
                    .input_shape = {2, 3},
                    .expected_output_shape = {2, 3}});
}

TEST_CASE("Rescaling multiplies by scale and adds offset", "[layers][embedding-preprocessing]") {
    const kx::Tensor pixels({1, 4}, {0, 51, 127.5f, 255});
    check_close(Rescaling(1.0 / 255)(pixels), {0, 0.2f, 0.5f, 1});
    check_close(Rescaling(1.0 / 127.5, {.offset = -1})(pixels), {-1, -0.6f, 0, 1});
    // d(sum(w * y))/dx = w * scale.
    kx::Variable x("x", pixels);
    const auto grads = kx::GradientTape().gradient(kx::ops::sum(Rescaling(0.5)(x) * kx::Tensor({1, 4}, {1, 2, 3, 4})), {x});
    CHECK(grads[0].to_vector() == std::vector<float>{0.5f, 1, 1.5f, 2});
    CHECK(Rescaling(0.5, {.offset = 2, .name = "r"}).get_config() ==
          nlohmann::json{{"name", "r"}, {"trainable", true}, {"scale", 0.5}, {"offset", 2.0}});
}

TEST_CASE("Normalization.adapt computes per-feature mean and biased variance", "[layers][embedding-preprocessing]") {
    const auto layer = adapted({}, keras_data);
    const std::vector<kx::Tensor> weights = layer->get_weights();
    REQUIRE(weights.size() == 3);
    CHECK(layer->weights()[0].name() == layer->name() + "/mean");
    CHECK(layer->weights()[2].name() == layer->name() + "/count");
    CHECK(layer->trainable_weights().empty());
    CHECK(weights[0].to_vector() == std::vector<float>{1, 8, 5});
    CHECK(weights[1].to_vector() == std::vector<float>{1, 1, 1});
    CHECK(weights[2].item() == 4);
    // Keras' docstring: [[0, 7, 4]] -> [[-1, -1, -1]].
    check_close((*layer)(kx::Tensor({1, 3}, {0, 7, 4})), {-1, -1, -1});

    // Over several axes: x (2, 2, 3) keeping axis 1 reduces axes 0 and 2 (6 values per statistic).
    // Values for index 0 of axis 1: 1..6 (mean 3.5, var 35/12); index 1: 10, 10, 10, 13, 16, 13 (mean 12, var 5).
    const kx::Tensor x({2, 2, 3}, {1, 2, 3, 10, 10, 10, 4, 5, 6, 13, 16, 13});
    const auto per_row = adapted({.axis = {1}}, x);
    check_close(per_row->get_weights()[0], {3.5f, 12});
    check_close(per_row->get_weights()[1], {35.0f / 12, 5});
    CHECK(per_row->get_weights()[2].item() == 6);
    // axis = {} (Keras' axis=None): one scalar statistic. Keras' docstring: adapt on 1..5 (mean 3,
    // var 2), then [1, 2, 3] -> [-1.4142135, -0.70710677, 0].
    const auto scalar = adapted({.axis = {}}, kx::Tensor({5}, {1, 2, 3, 4, 5}));
    CHECK(scalar->get_weights()[0].shape() == kx::Shape{});
    check_close((*scalar)(kx::Tensor({3}, {1, 2, 3})), {-1.4142135f, -0.70710677f, 0});
}

TEST_CASE("Normalization.adapt replaces earlier statistics and keeps precision on large offsets", "[layers][embedding-preprocessing]") {
    Normalization layer;
    layer.adapt(keras_data);
    // 1e4 + (0, 1, 2, 3): float accumulation would lose the variance (1.25); double keeps it.
    layer.adapt(kx::Tensor({4, 3}, {10000, 7, 1, 10001, 7, 1, 10002, 7, 1, 10003, 7, 1}));
    check_close(layer.get_weights()[0], {10001.5f, 7, 1}, 1e-3);
    check_close(layer.get_weights()[1], {1.25f, 0, 0});
    CHECK(layer.get_weights()[2].item() == 4);
    // A constant feature divides by Keras' epsilon floor 1e-7, not by 0: its mean maps to 0.
    check_close(layer(kx::Tensor({1, 3}, {10001.5f, 7, 1})), {0, 0, 0});
}

TEST_CASE("Normalization with invert maps normalized values back", "[layers][embedding-preprocessing]") {
    // Keras' docstring: adapted on its data, invert maps [[1, 2, 3]] to [[2, 10, 8]].
    check_close((*adapted({.invert = true}, keras_data))(kx::Tensor({1, 3}, {1, 2, 3})), {2, 10, 8});
    const auto forward = adapted({}, keras_data);
    const auto inverse = adapted({.invert = true}, keras_data);
    const kx::Tensor x({2, 3}, {0.5f, -3, 7, 2, 11, 4.25f});
    check_close((*inverse)((*forward)(x)), x.to_vector(), 1e-5);
}

TEST_CASE("Normalization uses given mean and variance, broadcast to the kept axes", "[layers][embedding-preprocessing]") {
    // Keras' docstring: mean 3, variance 2: [[1], [2], [3]] -> [[-1.4142135], [-0.70710677], [0]].
    Normalization scalar({.mean = kx::Tensor::scalar(3), .variance = kx::Tensor::scalar(2)});
    check_close(scalar(kx::Tensor({3, 1}, {1, 2, 3})), {-1.4142135f, -0.70710677f, 0});
    CHECK(scalar.weights().empty());
    CHECK(scalar.is_adapted());
    // Kept axes (1, 2) of (batch, 2, 3); a mean of shape (3,) meets axis 2 and broadcasts over axis 1.
    Normalization grid({.axis = {1, 2}, .mean = kx::Tensor({3}, {0, 1, 2}), .variance = kx::Tensor({3}, {1, 4, 16})});
    check_close(grid(kx::Tensor({1, 2, 3}, {1, 1, 1, 2, 2, 2})), {1, 0, -0.25f, 2, 0.5f, 0});
    const nlohmann::json config = grid.get_config();
    CHECK(config["axis"] == nlohmann::json{1, 2});
    CHECK(config["mean"] == nlohmann::json{0.0, 1.0, 2.0});
    CHECK(config["variance"] == nlohmann::json{1.0, 4.0, 16.0});
    CHECK(config["invert"] == false);
}

TEST_CASE("Normalization's adapted statistics travel with get_weights and set_weights", "[layers][embedding-preprocessing]") {
    const auto source = adapted({}, keras_data);
    Normalization copy;
    copy.ensure_built({kx::None, 3});
    CHECK_FALSE(copy.is_adapted());
    copy.set_weights(source->get_weights());
    CHECK(copy.is_adapted());
    check_close(copy(kx::Tensor({1, 3}, {2, 9, 6})), {1, 1, 1});
    // Adapted statistics are not in the config, as in Keras.
    CHECK(source->get_config()["mean"].is_null());
}

TEST_CASE("Normalization reads Keras configs", "[layers][embedding-preprocessing]") {
    const kx::LayerHandle given = kx::layers::deserialize(nlohmann::json::parse(R"({"class_name": "Normalization",
        "config": {"name": "norm", "trainable": true, "dtype": "float32", "axis": [-1], "invert": false,
                   "mean": [1.0, 2.0], "variance": [4.0, 9.0]}})"));
    check_close((*given)(kx::Tensor({1, 2}, {3, 8})), {1, 2});
    CHECK(given->get_config()["mean"] == nlohmann::json{1.0, 2.0});
    const kx::LayerHandle none = kx::layers::deserialize(nlohmann::json::parse(R"({"class_name": "Normalization",
        "config": {"name": "n2", "axis": null, "mean": null, "variance": null}})"));
    CHECK(dynamic_cast<const Normalization&>(*none).options().axis.empty());
    const kx::LayerHandle rescale = kx::layers::deserialize(nlohmann::json::parse(
        R"({"class_name": "Rescaling", "config": {"name": "rs", "scale": 0.00392156862745098, "offset": 0.0}})"));
    CHECK(dynamic_cast<const Rescaling&>(*rescale).scale() == 0.00392156862745098);
    REQUIRE_THROWS_WITH(kx::layers::deserialize(nlohmann::json::parse(
                            R"({"class_name": "Rescaling", "config": {"scale": [0.5, 0.25]}})")),
                        Contains("Rescaling supports a scalar scale only") && Contains("[0.5,0.25]"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize(nlohmann::json::parse(
                            R"({"class_name": "Normalization", "config": {"mean": [1, [2]], "variance": [1, 2]}})")),
                        Contains("Normalization expected numbers in 'mean', got [2]"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize(nlohmann::json::parse(
                            R"({"class_name": "Normalization", "config": {"mean": [[1, 2], [3]], "variance": [1, 2]}})")),
                        Contains("Normalization expected 'mean' to be a number or a nested list of equal-length lists"));
}

TEST_CASE("Normalization refuses to run without statistics and names bad arguments", "[layers][embedding-preprocessing]") {
    Normalization fresh({.name = "norm"});
    REQUIRE_THROWS_WITH(fresh(kx::Tensor({2, 3})), Contains("Normalization 'norm'") && Contains("call adapt(data)") &&
                                                       Contains("pass mean and variance"));
    REQUIRE_THROWS_WITH(Normalization({.mean = kx::Tensor::scalar(1)}),
                        Contains("both mean and variance must be given") && Contains("a mean but no variance"));
    REQUIRE_THROWS_WITH(Normalization({.mean = kx::Tensor({2}, {1, 2}), .variance = kx::Tensor({3}, {1, 2, 3})}),
                        Contains("same shape") && Contains("(2,)") && Contains("(3,)"));
    REQUIRE_THROWS_WITH(Normalization({.mean = kx::Tensor({1, 2}, {1, 2}), .variance = kx::Tensor({1, 2}, {1, 2})}),
                        Contains("rank of mean must be at most the number of axes (1)") && Contains("(1, 2)"));
    REQUIRE_THROWS_WITH(Normalization({.mean = kx::Tensor::scalar(0), .variance = kx::Tensor::scalar(-1)}),
                        Contains("non-negative variance"));
    Normalization wide({.mean = kx::Tensor({2}, {1, 2}), .variance = kx::Tensor({2}, {1, 1}), .name = "wide"});
    REQUIRE_THROWS_WITH(wide(kx::Tensor({1, 3})), Contains("Normalization 'wide'") && Contains("(2,)") &&
                                                       Contains("do not broadcast") && Contains("(None, 3)"));
    REQUIRE_THROWS_WITH(Normalization({.axis = {2}})(kx::Tensor({1, 3})),
                        Contains("axis 2 is out of range for input of shape (None, 3)") && Contains("[-2, 2)"));
    REQUIRE_THROWS_WITH(Normalization({.axis = {1, -1}})(kx::Tensor({1, 3})), Contains("repeats axis 1"));
    // Per-index statistics along the batch axis cannot be built: its size is unknown.
    REQUIRE_THROWS_WITH(Normalization().adapt(kx::Tensor({5}, {1, 2, 3, 4, 5})),
                        Contains("axis 0 keeps its own statistics") && Contains("axis = {}"));
    REQUIRE_THROWS_WITH(wide.adapt(keras_data), Contains("adapt() would replace the mean and variance given"));
    const auto layer = adapted({.name = "fitted"}, keras_data);
    REQUIRE_THROWS_WITH(layer->adapt(kx::Tensor({4, 2})), Contains("Normalization 'fitted'") &&
                                                             Contains("expected data of shape (None, 3)") &&
                                                             Contains("got shape (4, 2)"));
    REQUIRE_THROWS_WITH(Normalization().adapt(kx::Tensor({0, 3})), Contains("at least one sample"));
}

TEST_CASE("Normalization before a Dense layer trains in a Sequential model", "[layers][embedding-preprocessing]") {
    // y = x0 / 100 + x1 with features on very different scales (x0 ~ 1000, x1 ~ 0.1): normalized,
    // plain SGD with a step of 0.1 fits both weights (raw, that step would diverge on x0).
    kx::utils::set_random_seed(1);
    const std::size_t n = 64;
    kx::Tensor x = kx::Tensor::empty({n, 2});
    kx::Tensor y = kx::Tensor::empty({n, 1});
    for (std::size_t i = 0; i < n; ++i) {
        x.data()[2 * i] = 1000.0f + 37.0f * static_cast<float>(i % 11);
        x.data()[2 * i + 1] = 0.01f * static_cast<float>((i * 7) % 13);
        y.data()[i] = x.data()[2 * i] / 100 + x.data()[2 * i + 1];
    }
    auto norm = std::make_shared<Normalization>();
    norm->adapt(x);
    kx::Sequential model({kx::layers::Input({2}), norm, kx::layers::Dense(1)});
    model.compile({.optimizer = kx::optimizers::SGD(0.1), .loss = "mse"});
    model.fit(x, y, {.epochs = 60, .batch_size = 16, .verbose = 0});
    CHECK(model.evaluate(x, y, {.verbose = 0}).at("loss") < 1e-3);
    // The statistics stay as adapted: they are not trained. i % 11 over i < 64 averages 311 / 64.
    CHECK(norm->get_weights()[0].at({0}) == Approx(1000.0 + 37.0 * 311 / 64).epsilon(1e-6));
}
