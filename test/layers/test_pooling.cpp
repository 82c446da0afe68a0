#include "layer_test.hpp"

using Catch::Matchers::Contains;

TEST_CASE("MaxPooling2D and AveragePooling2D pass the layer harness", "[layers][pooling]") {
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

TEST_CASE("GlobalAveragePooling2D and GlobalMaxPooling2D pass the layer harness", "[layers][pooling]") {
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

TEST_CASE("pooling layers compute the window maxima and means", "[layers][pooling]") {
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

TEST_CASE("pooling layers take Keras' default names", "[layers][pooling]") {
    kx::backend::clear_session();
    CHECK(kx::layers::MaxPooling2D().name() == "max_pooling2d");
    CHECK(kx::layers::MaxPooling2D().name() == "max_pooling2d_1");
    CHECK(kx::layers::AveragePooling2D().name() == "average_pooling2d");
    CHECK(kx::layers::GlobalAveragePooling2D().name() == "global_average_pooling2d");
    CHECK(kx::layers::GlobalMaxPooling2D().name() == "global_max_pooling2d");
    CHECK(kx::layers::MaxPooling2D(2, {.name = "pool"}).name() == "pool");
}

TEST_CASE("pooling layers write Keras config keys and read Keras configs", "[layers][pooling]") {
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

TEST_CASE("pooling layers compute output shapes with unknown spatial sizes", "[layers][pooling]") {
    kx::layers::MaxPooling2D pool(2, {.padding = "same"});
    CHECK(pool.compute_output_shape({kx::None, 7, kx::None, 4}) == kx::Shape{kx::None, 4, kx::None, 4});
    kx::layers::AveragePooling2D valid({3, 2}, {.strides = kx::ops::Size2{2, 1}});
    CHECK(valid.compute_output_shape({kx::None, 7, 5, 4}) == kx::Shape{kx::None, 3, 4, 4});
}

TEST_CASE("pooling layers reject bad arguments and inputs, naming the layer", "[layers][pooling]") {
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
