#include "layer_test.hpp"

#include <cmath>

using Catch::Matchers::Contains;

namespace {
struct Moments {
    double mean = 0.0, variance = 0.0;
};

Moments moments_of(const kx::Tensor& t) {
    const std::vector<float> v = t.to_vector();
    Moments m;
    for (float x : v) m.mean += x;
    m.mean /= static_cast<double>(v.size());
    for (float x : v) m.variance += (x - m.mean) * (x - m.mean);
    m.variance /= static_cast<double>(v.size());
    return m;
}

// A random layer's training-mode gradient, checked with the global generator reseeded before
// every evaluation so that each one sees the same mask or noise.
void check_training_gradients(kx::Layer& layer, const kx::Tensor& x) {
    const auto result = kx::testing::check_gradients(
        [&](const std::vector<kx::Tensor>& in) {
            kx::utils::set_random_seed(11);
            return layer(in[0], true);
        },
        {x});
    INFO(result.report);
    CHECK(result.ok);
}
}  // namespace

TEST_CASE("Dropout passes the layer harness (identity outside training)", "[layers][dropout][regularization]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Dropout(0.5f)); },
                    .input_shape = {4, 3},
                    .expected_output_shape = {4, 3}});
}

TEST_CASE("Dropout drops and rescales only when training", "[layers][dropout][regularization]") {
    kx::layers::Dropout dropout(0.5f);
    const kx::Tensor x = kx::Tensor::ones({100, 100});
    CHECK(dropout(x, false).to_vector() == x.to_vector());
    kx::utils::set_random_seed(3);
    const kx::Tensor y = dropout(x, true);
    std::size_t zeros = 0;
    for (float v : y.to_vector()) {
        CHECK((v == 0.0f || v == 2.0f));
        zeros += v == 0.0f;
    }
    CHECK(zeros > 4500);
    CHECK(zeros < 5500);
}

TEST_CASE("Dropout rejects rates outside [0, 1)", "[layers][dropout][regularization]") {
    REQUIRE_THROWS_WITH(kx::layers::Dropout(1.0f), Contains("[0, 1)") && Contains("rate=1"));
    REQUIRE_THROWS_WITH(kx::layers::Dropout(-0.1f), Contains("rate=-0.1"));
}

TEST_CASE("SpatialDropout1D and 2D pass the layer harness", "[layers][regularization]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::SpatialDropout1D(0.3f)); },
                    .input_shape = {2, 5, 3},
                    .expected_output_shape = {2, 5, 3},
                    .check_gradients = false});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::SpatialDropout2D(0.5f, {.seed = 7})); },
                    .input_shape = {2, 3, 4, 2},
                    .expected_output_shape = {2, 3, 4, 2},
                    .check_gradients = false});
}

TEST_CASE("SpatialDropout1D drops whole channels per sample, scaled by 1 / (1 - rate)", "[layers][regularization]") {
    kx::layers::SpatialDropout1D dropout(0.25f);
    const kx::Tensor x = kx::Tensor::ones({64, 10, 32});
    CHECK(dropout(x, false).to_vector() == x.to_vector());
    kx::utils::set_random_seed(5);
    const std::vector<float> y = dropout(x, true).to_vector();
    std::size_t dropped = 0;
    for (std::size_t b = 0; b < 64; ++b)
        for (std::size_t c = 0; c < 32; ++c) {
            const float first = y[(b * 10) * 32 + c];
            CHECK((first == 0.0f || first == Approx(1.0f / 0.75f)));
            dropped += first == 0.0f;
            for (std::size_t s = 1; s < 10; ++s) CHECK(y[(b * 10 + s) * 32 + c] == first);   // one mask per channel
        }
    // 2048 Bernoulli(0.25) draws: standard deviation of the fraction ~0.0096.
    CHECK(static_cast<double>(dropped) / 2048.0 == Approx(0.25).margin(0.04));
    CHECK(moments_of(kx::Tensor({64, 10, 32}, y)).mean == Approx(1.0).margin(0.06));
}

TEST_CASE("SpatialDropout2D keeps or drops each (sample, channel) feature map as a whole", "[layers][regularization]") {
    kx::layers::SpatialDropout2D dropout(0.5f, {.seed = 21});
    const kx::Tensor x = layer_test_input({16, 5, 5, 8});
    CHECK(dropout(x, false).to_vector() == x.to_vector());
    const std::vector<float> in = x.to_vector(), y = dropout(x, true).to_vector();
    std::size_t kept = 0;
    for (std::size_t b = 0; b < 16; ++b)
        for (std::size_t c = 0; c < 8; ++c) {
            const std::size_t first = (b * 25) * 8 + c;
            const bool keep = y[first] != 0.0f;
            kept += keep;
            for (std::size_t p = 0; p < 25; ++p) {
                const std::size_t i = (b * 25 + p) * 8 + c;
                CHECK(y[i] == Approx(keep ? 2.0f * in[i] : 0.0f));
            }
        }
    CHECK(kept > 40);   // of 128 maps, about 64 kept
    CHECK(kept < 88);
}

TEST_CASE("SpatialDropout backpropagates through its channel mask", "[layers][regularization]") {
    kx::layers::SpatialDropout1D dropout1d(0.5f);
    check_training_gradients(dropout1d, layer_test_input({3, 4, 5}));
    kx::layers::SpatialDropout2D dropout2d(0.4f);
    check_training_gradients(dropout2d, layer_test_input({2, 3, 3, 4}));
}

TEST_CASE("SpatialDropout rejects bad rates, wrong ranks and channels_first configs", "[layers][regularization]") {
    REQUIRE_THROWS_WITH(kx::layers::SpatialDropout1D(1.0f), Contains("SpatialDropout1D") && Contains("rate=1"));
    REQUIRE_THROWS_WITH(kx::layers::SpatialDropout2D(-0.5f), Contains("SpatialDropout2D") && Contains("rate=-0.5"));
    kx::layers::SpatialDropout1D dropout1d(0.5f);
    REQUIRE_THROWS_WITH(dropout1d(kx::Tensor({2, 3})),
                        Contains("SpatialDropout1D '") && Contains("rank 3") && Contains("(None, 3)"));
    kx::layers::SpatialDropout2D dropout2d(0.5f);
    REQUIRE_THROWS_WITH(dropout2d(kx::Tensor({2, 3, 4})),
                        Contains("SpatialDropout2D '") && Contains("rank 4") && Contains("(None, 3, 4)"));
    CHECK(dropout2d.get_config()["data_format"] == "channels_last");
    nlohmann::json config = {{"class_name", "SpatialDropout2D"}, {"config", dropout2d.get_config()}};
    config["config"]["data_format"] = "channels_first";
    REQUIRE_THROWS_WITH(kx::layers::deserialize(config), Contains("SpatialDropout2D") && Contains("channels_first"));
}

TEST_CASE("GaussianNoise passes the layer harness and adds N(0, stddev^2) noise in training", "[layers][regularization]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::GaussianNoise(0.1f, {.seed = 3})); },
                    .input_shape = {4, 3},
                    .expected_output_shape = {4, 3},
                    .check_gradients = false});
    kx::layers::GaussianNoise noise(0.1f);
    const kx::Tensor x = kx::Tensor::full({200, 500}, 3.0f);
    CHECK(noise(x, false).to_vector() == x.to_vector());
    kx::utils::set_random_seed(17);
    const Moments m = moments_of(noise(x, true));
    // 100,000 draws: the mean's standard error is 3e-4, the variance's ~0.5%.
    CHECK(m.mean == Approx(3.0).margin(0.002));
    CHECK(m.variance == Approx(0.01).epsilon(0.03));
    kx::layers::GaussianNoise small(0.1f);
    check_training_gradients(small, layer_test_input({3, 4}));
}

TEST_CASE("GaussianDropout passes the layer harness and multiplies by N(1, rate / (1 - rate))", "[layers][regularization]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::GaussianDropout(0.3f)); },
                    .input_shape = {4, 3},
                    .expected_output_shape = {4, 3},
                    .check_gradients = false});
    kx::layers::GaussianDropout dropout(0.2f);
    const kx::Tensor x = kx::Tensor::full({200, 500}, 2.0f);
    CHECK(dropout(x, false).to_vector() == x.to_vector());
    kx::utils::set_random_seed(19);
    const Moments m = moments_of(dropout(x, true));
    // y = 2 * n, n ~ N(1, 0.25): mean 2, variance 4 * 0.25 = 1.
    CHECK(m.mean == Approx(2.0).margin(0.01));
    CHECK(m.variance == Approx(1.0).epsilon(0.03));
    kx::layers::GaussianDropout small(0.2f);
    check_training_gradients(small, layer_test_input({3, 4}));
}

TEST_CASE("Seeded noise layers repeat their sequence; unseeded ones follow set_random_seed", "[layers][regularization]") {
    const kx::Tensor x = kx::Tensor::zeros({4, 8});
    kx::layers::GaussianNoise a(0.5f, {.seed = 42}), b(0.5f, {.seed = 42});
    const std::vector<float> a1 = a(x, true).to_vector(), a2 = a(x, true).to_vector();
    CHECK(a1 == b(x, true).to_vector());   // same seed, same first draw
    CHECK(a1 != a2);                       // a new draw on every call
    CHECK(a.get_config()["seed"] == 42);

    kx::layers::GaussianDropout c(0.5f);
    CHECK(c.get_config()["seed"].is_null());
    kx::utils::set_random_seed(8);
    const std::vector<float> c1 = c(kx::Tensor::ones({4, 8}), true).to_vector();
    kx::utils::set_random_seed(8);
    CHECK(c(kx::Tensor::ones({4, 8}), true).to_vector() == c1);
}

TEST_CASE("GaussianNoise and GaussianDropout reject out-of-range arguments", "[layers][regularization]") {
    REQUIRE_THROWS_WITH(kx::layers::GaussianNoise(1.5f), Contains("GaussianNoise") && Contains("stddev=1.5"));
    REQUIRE_THROWS_WITH(kx::layers::GaussianNoise(-0.1f), Contains("stddev=-0.1"));
    REQUIRE_THROWS_WITH(kx::layers::GaussianDropout(1.0f), Contains("GaussianDropout") && Contains("[0, 1)") &&
                                                              Contains("rate=1"));
}

TEST_CASE("ActivityRegularization passes the layer harness as the identity", "[layers][regularization]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::ActivityRegularization({.l1 = 0.01, .l2 = 0.02})); },
                    .input_shape = {3, 4},
                    .expected_output_shape = {3, 4}});
}

TEST_CASE("ActivityRegularization adds l1 * sum|x| + l2 * sum x^2 to its losses", "[layers][regularization]") {
    kx::layers::ActivityRegularization layer({.l1 = 0.1, .l2 = 0.01});
    const kx::Tensor x({2, 2}, {1.0f, -2.0f, 3.0f, -4.0f});
    CHECK(layer(x).to_vector() == x.to_vector());
    REQUIRE(layer.losses().size() == 1);
    CHECK(layer.losses()[0].item() == Approx(0.1 * 10.0 + 0.01 * 30.0));   // sum|x| = 10, sum x^2 = 30
    layer(x, true);
    CHECK(layer.losses().size() == 1);   // a new call replaces the previous call's loss
    CHECK(layer.get_config()["l1"] == 0.1);
    CHECK(layer.get_config()["l2"] == 0.01);

    const auto result = kx::testing::check_gradients(
        [&](const std::vector<kx::Tensor>& in) {
            layer(in[0]);
            return layer.losses()[0];
        },
        {kx::Tensor({2, 2}, {0.5f, -1.5f, 2.0f, -0.7f})});
    INFO(result.report);
    CHECK(result.ok);
    REQUIRE_THROWS_WITH(kx::layers::ActivityRegularization({.l2 = -1.0}),
                        Contains("ActivityRegularization") && Contains("l2=-1"));
}

TEST_CASE("An ActivityRegularization penalty joins the training loss in fit", "[layers][regularization]") {
    // A zero Dense against zero targets: the data loss is 0, so the reported loss is the penalty.
    kx::Sequential model({kx::layers::Input({2}), kx::layers::ActivityRegularization({.l2 = 0.5}),
                          kx::layers::Dense(2, {.kernel_initializer = "zeros"})});
    model.compile({.optimizer = "sgd", .loss = "mse"});
    const kx::Tensor x({2, 2}, {1.0f, 2.0f, 0.0f, 1.0f});
    const kx::Logs logs = model.train_on_batch(x, kx::Tensor({2, 2}));
    CHECK(logs.at("loss") == Approx(0.5 * 6.0));   // 0.5 * (1 + 4 + 0 + 1)
}
