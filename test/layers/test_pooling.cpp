#include "layer_test.hpp"

using Catch::Matchers::Contains;

TEST_CASE("MaxPooling2D and AveragePooling2D pass the layer harness", "[layers][pooling][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::MaxPooling2D()); },
                    .input_shape = {2, 4, 4, 3},
                    .expected_output_shape = {2, 2, 2, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::MaxPooling2D({3, 2}, {.strides = 2, .padding = "same"})); },
                    .input_shape = {2, 5, 4, 3},
                    .expected_output_shape = {2, 3, 2, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::AveragePooling2D()); },
                    .input_shape = {2, 5, 4, 3},
                    .expected_output_shape = {2, 2, 2, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::AveragePooling2D(3, {.strides = 1, .padding = "same"})); },
                    .input_shape = {2, 4, 5, 2},
                    .expected_output_shape = {2, 4, 5, 2}});
}

TEST_CASE("GlobalAveragePooling2D and GlobalMaxPooling2D pass the layer harness", "[layers][pooling][pool-reshape]") {
    for (const bool keepdims : {false, true}) {
        const kx::Shape out = keepdims ? kx::Shape{2, 1, 1, 3} : kx::Shape{2, 3};
        run_layer_test({.make = [=] { return kx::LayerHandle(kx::layers::GlobalAveragePooling2D({.keepdims = keepdims})); },
                        .input_shape = {2, 4, 4, 3},
                        .expected_output_shape = out});
        run_layer_test({.make = [=] { return kx::LayerHandle(kx::layers::GlobalMaxPooling2D({.keepdims = keepdims})); },
                        .input_shape = {2, 4, 4, 3},
                        .expected_output_shape = out});
    }
}

TEST_CASE("pooling layers compute the window maxima and means", "[layers][pooling][pool-reshape]") {
    const kx::Tensor x({1, 2, 4, 1}, {1, 3, 2, 4,
                                      5, 8, 6, 7});
    CHECK(kx::layers::MaxPooling2D()(x).to_vector() == std::vector<float>{8, 7});
    CHECK(kx::layers::AveragePooling2D()(x).to_vector() == std::vector<float>{4.25f, 4.75f});
    // strides default to pool_size; an explicit stride of 1 gives overlapping windows.
    CHECK(kx::layers::MaxPooling2D(2, {.strides = 1})(x).to_vector() == std::vector<float>{8, 8, 7});
    // Per channel over the whole image: mean (1+3+2+4+5+8+6+7)/8 = 4.5, max 8.
    CHECK(kx::layers::GlobalAveragePooling2D()(x).to_vector() == std::vector<float>{4.5f});
    CHECK(kx::layers::GlobalMaxPooling2D({.keepdims = true})(x).shape() == kx::Shape{1, 1, 1, 1});
    CHECK(kx::layers::GlobalMaxPooling2D()(x).to_vector() == std::vector<float>{8});
}

TEST_CASE("pooling layers take Keras' default names", "[layers][pooling][pool-reshape]") {
    kx::backend::clear_session();
    CHECK(kx::layers::MaxPooling2D().name() == "max_pooling2d");
    CHECK(kx::layers::MaxPooling2D().name() == "max_pooling2d_1");
    CHECK(kx::layers::AveragePooling2D().name() == "average_pooling2d");
    CHECK(kx::layers::GlobalAveragePooling2D().name() == "global_average_pooling2d");
    CHECK(kx::layers::GlobalMaxPooling2D().name() == "global_max_pooling2d");
    CHECK(kx::layers::MaxPooling2D(2, {.name = "pool"}).name() == "pool");
}

TEST_CASE("pooling layers write Keras config keys and read Keras configs", "[layers][pooling][pool-reshape]") {
    const nlohmann::json config = kx::layers::MaxPooling2D({3, 2}, {.padding = "same", .name = "p"}).get_config();
    CHECK(config == nlohmann::json{{"name", "p"}, {"trainable", true}, {"pool_size", {3, 2}}, {"strides", {3, 2}},
                                   {"padding", "same"}, {"data_format", "channels_last"}});
    CHECK(kx::layers::GlobalAveragePooling2D({.keepdims = true, .name = "g"}).get_config() ==
          nlohmann::json{{"name", "g"}, {"trainable", true}, {"data_format", "channels_last"}, {"keepdims", true}});

    // As Keras 3 writes them (strides may be null, meaning pool_size).
    const kx::LayerHandle pool = kx::layers::deserialize(nlohmann::json::parse(R"({"class_name": "AveragePooling2D",
        "config": {"name": "avg", "trainable": true, "dtype": "float32", "pool_size": [2, 3], "padding": "valid",
                   "strides": null, "data_format": "channels_last"}})"));
    CHECK(pool->name() == "avg");
    CHECK(pool->get_config()["strides"] == nlohmann::json{2, 3});
    const kx::LayerHandle global = kx::layers::deserialize(nlohmann::json::parse(
        R"({"class_name": "GlobalMaxPooling2D", "config": {"name": "gmp", "data_format": "channels_last", "keepdims": true}})"));
    CHECK(global->compute_output_shape({kx::None, 7, 7, 16}) == kx::Shape{kx::None, 1, 1, 16});
    REQUIRE_THROWS_WITH(kx::layers::deserialize({{"class_name", "MaxPooling2D"}, {"config", {{"data_format", "channels_first"}}}}),
                        Contains("MaxPooling2D") && Contains("channels_last") && Contains("channels_first"));
}

TEST_CASE("pooling layers compute output shapes with unknown spatial sizes", "[layers][pooling][pool-reshape]") {
    kx::layers::MaxPooling2D pool(2, {.padding = "same"});
    CHECK(pool.compute_output_shape({kx::None, 7, kx::None, 4}) == kx::Shape{kx::None, 4, kx::None, 4});
    kx::layers::AveragePooling2D valid({3, 2}, {.strides = kx::ops::Size2{2, 1}});
    CHECK(valid.compute_output_shape({kx::None, 7, 5, 4}) == kx::Shape{kx::None, 3, 4, 4});
}

TEST_CASE("pooling layers reject bad arguments and inputs, naming the layer", "[layers][pooling][pool-reshape]") {
    REQUIRE_THROWS_WITH(kx::layers::MaxPooling2D(0), Contains("MaxPooling2D") && Contains("pool_size") && Contains("(0, 0)"));
    REQUIRE_THROWS_WITH(kx::layers::AveragePooling2D(2, {.strides = kx::ops::Size2{1, 0}}),
                        Contains("AveragePooling2D") && Contains("strides") && Contains("(1, 0)"));
    REQUIRE_THROWS_WITH(kx::layers::MaxPooling2D(2, {.padding = "full"}), Contains("'full'") && Contains("valid, same"));

    kx::layers::MaxPooling2D pool(3, {.name = "p3"});
    REQUIRE_THROWS_WITH(pool(kx::Tensor({1, 2, 5, 1})),
                        Contains("MaxPooling2D 'p3'") && Contains("(3, 3)") && Contains("(None, 2, 5, 1)") && Contains("'same'"));
    kx::layers::GlobalAveragePooling2D global({.name = "gap"});
    REQUIRE_THROWS_WITH(global(kx::Tensor({2, 8})), Contains("GlobalAveragePooling2D 'gap'") && Contains("rank 4") &&
                                                        Contains("(None, 8)"));
}

namespace {
// (1, 5, 2): feature 0 is 1, 3, 2, 5, 4 over the steps; feature 1 is 10, 0, -1, 6, 2.
const kx::Tensor steps5({1, 5, 2}, {1, 10,
                                    3, 0,
                                    2, -1,
                                    5, 6,
                                    4, 2});

void check_near(const kx::Tensor& y, const kx::Shape& shape, const std::vector<float>& expected) {
    REQUIRE(y.shape() == shape);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(y.data()[i] == Approx(expected[i]).margin(1e-6));
    }
}
}  // namespace

TEST_CASE("MaxPooling1D and AveragePooling1D pass the layer harness", "[layers][pooling][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::MaxPooling1D()); },
                    .input_shape = {2, 6, 3},
                    .expected_output_shape = {2, 3, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::MaxPooling1D(3, {.strides = 2, .padding = "same"})); },
                    .input_shape = {2, 5, 3},
                    .expected_output_shape = {2, 3, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::AveragePooling1D()); },
                    .input_shape = {2, 5, 2},
                    .expected_output_shape = {2, 2, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::AveragePooling1D(3, {.strides = 1, .padding = "same"})); },
                    .input_shape = {2, 4, 3},
                    .expected_output_shape = {2, 4, 3}});
}

TEST_CASE("GlobalAveragePooling1D and GlobalMaxPooling1D pass the layer harness", "[layers][pooling][pool-reshape]") {
    for (const bool keepdims : {false, true}) {
        const kx::Shape out = keepdims ? kx::Shape{2, 1, 3} : kx::Shape{2, 3};
        run_layer_test({.make = [=] { return kx::LayerHandle(kx::layers::GlobalAveragePooling1D({.keepdims = keepdims})); },
                        .input_shape = {2, 4, 3},
                        .expected_output_shape = out});
        run_layer_test({.make = [=] { return kx::LayerHandle(kx::layers::GlobalMaxPooling1D({.keepdims = keepdims})); },
                        .input_shape = {2, 4, 3},
                        .expected_output_shape = out});
    }
}

TEST_CASE("1-D pooling layers compute the window maxima and means of each feature", "[layers][pooling][pool-reshape]") {
    // Windows [0, 1] and [2, 3]; step 4 does not fit with padding "valid".
    check_near(kx::layers::MaxPooling1D()(steps5), {1, 2, 2}, {3, 10, 5, 6});
    check_near(kx::layers::AveragePooling1D()(steps5), {1, 2, 2}, {2, 5, 3.5f, 2.5f});
    // "same": ceil(5 / 2) = 3 windows, the one padded step after the end: [0, 1], [2, 3], [4].
    check_near(kx::layers::MaxPooling1D(2, {.padding = "same"})(steps5), {1, 3, 2}, {3, 10, 5, 6, 4, 2});
    // Overlapping windows of 3 with stride 1.
    check_near(kx::layers::MaxPooling1D(3, {.strides = 1})(steps5), {1, 3, 2}, {3, 10, 5, 6, 5, 6});
    // "same" with stride 1 pads one step at each end; edge windows average their 2 real steps.
    check_near(kx::layers::AveragePooling1D(3, {.strides = 1, .padding = "same"})(steps5), {1, 5, 2},
               {2, 5, 2, 3, 10.f / 3, 5.f / 3, 11.f / 3, 7.f / 3, 4.5f, 4});
    // Over all steps: means (1+3+2+5+4)/5 = 3 and (10+0-1+6+2)/5 = 3.4; maxima 5 and 10.
    check_near(kx::layers::GlobalAveragePooling1D()(steps5), {1, 2}, {3, 3.4f});
    check_near(kx::layers::GlobalMaxPooling1D()(steps5), {1, 2}, {5, 10});
    check_near(kx::layers::GlobalMaxPooling1D({.keepdims = true})(steps5), {1, 1, 2}, {5, 10});
}

TEST_CASE("1-D pooling layers take Keras' default names", "[layers][pooling][pool-reshape]") {
    kx::backend::clear_session();
    CHECK(kx::layers::MaxPooling1D().name() == "max_pooling1d");
    CHECK(kx::layers::MaxPooling1D().name() == "max_pooling1d_1");
    CHECK(kx::layers::AveragePooling1D().name() == "average_pooling1d");
    CHECK(kx::layers::GlobalAveragePooling1D().name() == "global_average_pooling1d");
    CHECK(kx::layers::GlobalMaxPooling1D().name() == "global_max_pooling1d");
    CHECK(kx::layers::AveragePooling1D(2, {.name = "pool"}).name() == "pool");
}

TEST_CASE("1-D pooling layers write Keras config keys and read Keras configs", "[layers][pooling][pool-reshape]") {
    CHECK(kx::layers::MaxPooling1D(3, {.strides = 2, .padding = "same", .name = "p"}).get_config() ==
          nlohmann::json{{"name", "p"}, {"trainable", true}, {"pool_size", {3}}, {"strides", {2}}, {"padding", "same"},
                         {"data_format", "channels_last"}});
    CHECK(kx::layers::GlobalAveragePooling1D({.keepdims = true, .name = "g"}).get_config() ==
          nlohmann::json{{"name", "g"}, {"trainable", true}, {"data_format", "channels_last"}, {"keepdims", true}});

    // As Keras 3 writes them: 1-tuples, strides null meaning pool_size.
    const kx::LayerHandle pool = kx::layers::deserialize(nlohmann::json::parse(R"({"class_name": "AveragePooling1D",
        "config": {"name": "avg", "trainable": true, "dtype": "float32", "pool_size": [3], "padding": "valid",
                   "strides": null, "data_format": "channels_last"}})"));
    CHECK(pool->name() == "avg");
    CHECK(pool->compute_output_shape({kx::None, 10, 4}) == kx::Shape{kx::None, 3, 4});
    CHECK(pool->get_config()["strides"] == nlohmann::json{3});
    const kx::LayerHandle global = kx::layers::deserialize(nlohmann::json::parse(
        R"({"class_name": "GlobalMaxPooling1D", "config": {"name": "gmp", "data_format": "channels_last", "keepdims": true}})"));
    CHECK(global->compute_output_shape({kx::None, 7, 16}) == kx::Shape{kx::None, 1, 16});
    REQUIRE_THROWS_WITH(kx::layers::deserialize({{"class_name", "GlobalAveragePooling1D"}, {"config", {{"data_format", "channels_first"}}}}),
                        Contains("GlobalAveragePooling1D") && Contains("channels_last") && Contains("channels_first"));
}

TEST_CASE("1-D pooling layers reject bad arguments and inputs, naming the layer", "[layers][pooling][pool-reshape]") {
    REQUIRE_THROWS_WITH(kx::layers::MaxPooling1D(0), Contains("MaxPooling1D: expected a positive pool_size, got 0"));
    REQUIRE_THROWS_WITH(kx::layers::AveragePooling1D(2, {.strides = 0}),
                        Contains("AveragePooling1D: expected positive strides, got 0"));
    REQUIRE_THROWS_WITH(kx::layers::MaxPooling1D(2, {.padding = "causal"}), Contains("'causal'") && Contains("valid, same"));

    kx::layers::MaxPooling1D pool(4, {.name = "p4"});
    REQUIRE_THROWS_WITH(pool(kx::Tensor({1, 3, 2})),
                        Contains("MaxPooling1D 'p4': pool_size 4 is larger than the 3 steps of the input (None, 3, 2) "
                                 "with padding 'valid'; use padding 'same'"));
    REQUIRE_THROWS_WITH(kx::layers::AveragePooling1D(2, {.name = "a"})(kx::Tensor({1, 4, 4, 1})),
                        Contains("AveragePooling1D 'a': expected input of rank 3 (batch, steps, features), got shape "
                                 "(None, 4, 4, 1)"));
    kx::layers::GlobalMaxPooling1D global({.name = "gmp"});
    REQUIRE_THROWS_WITH(global(kx::Tensor({2, 8})),
                        Contains("GlobalMaxPooling1D 'gmp': expected input of rank 3 (batch, steps, features), got "
                                 "shape (None, 8)"));
}
