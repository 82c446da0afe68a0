#include "layer_test.hpp"

using Catch::Matchers::Contains;

TEST_CASE("Flatten passes the layer harness", "[layers][flatten][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Flatten()); },
                    .input_shape = {2, 3, 4},
                    .expected_output_shape = {2, 12}});
}

TEST_CASE("Flatten keeps row-major order", "[layers][flatten][pool-reshape]") {
    kx::layers::Flatten flatten;
    const kx::Tensor y = flatten(kx::Tensor({1, 2, 2}, {1, 2, 3, 4}));
    CHECK(y.shape() == kx::Shape{1, 4});
    CHECK(y.to_vector() == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("Reshape passes the layer harness, with and without an inferred dimension", "[layers][reshape][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Reshape({3, 4})); },
                    .input_shape = {2, 12},
                    .expected_output_shape = {2, 3, 4}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Reshape({kx::None, 2})); },
                    .input_shape = {2, 3, 4},
                    .expected_output_shape = {2, 6, 2}});
}

TEST_CASE("Reshape rejects impossible targets with both shapes", "[layers][reshape][pool-reshape]") {
    kx::layers::Reshape reshape({5, 5});
    REQUIRE_THROWS_WITH(reshape(kx::Tensor({2, 12})), Contains("(None, 12)") && Contains("(5, 5)"));
    REQUIRE_THROWS_WITH(kx::layers::Reshape({kx::None, kx::None}), Contains("at most one"));
}

namespace {
using kx::layers::Margins;
using kx::layers::Margins2;

// 0, 1, 2, ... row-major.
kx::Tensor iota(const kx::Shape& shape) { return kx::ops::reshape(kx::Tensor::arange(kx::num_elements(shape)), shape); }

void check_near(const kx::Tensor& y, const kx::Shape& shape, const std::vector<float>& expected) {
    REQUIRE(y.shape() == shape);
    REQUIRE(y.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(y.data()[i] == Approx(expected[i]).margin(1e-5));
    }
}
}  // namespace

TEST_CASE("Permute and RepeatVector pass the layer harness", "[layers][reshaping][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Permute({2, 1})); },
                    .input_shape = {2, 3, 4},
                    .expected_output_shape = {2, 4, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Permute({3, 1, 2})); },
                    .input_shape = {2, 2, 3, 4},
                    .expected_output_shape = {2, 4, 2, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::RepeatVector(3)); },
                    .input_shape = {2, 4},
                    .expected_output_shape = {2, 3, 4}});
}

TEST_CASE("Cropping1D and Cropping2D pass the layer harness", "[layers][reshaping][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Cropping1D()); },
                    .input_shape = {2, 5, 3},
                    .expected_output_shape = {2, 3, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Cropping1D({0, 2})); },
                    .input_shape = {2, 4, 2},
                    .expected_output_shape = {2, 2, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Cropping2D()); },
                    .input_shape = {2, 3, 3, 2},
                    .expected_output_shape = {2, 3, 3, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Cropping2D({{1, 0}, {0, 2}})); },
                    .input_shape = {2, 4, 5, 2},
                    .expected_output_shape = {2, 3, 3, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Cropping2D({1, 2})); },
                    .input_shape = {1, 4, 6, 2},
                    .expected_output_shape = {1, 2, 2, 2}});
}

TEST_CASE("ZeroPadding1D and ZeroPadding2D pass the layer harness", "[layers][reshaping][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::ZeroPadding1D()); },
                    .input_shape = {2, 3, 2},
                    .expected_output_shape = {2, 5, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::ZeroPadding1D({2, 0})); },
                    .input_shape = {2, 3, 2},
                    .expected_output_shape = {2, 5, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::ZeroPadding2D()); },
                    .input_shape = {2, 3, 3, 2},
                    .expected_output_shape = {2, 5, 5, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::ZeroPadding2D({{1, 0}, {0, 2}})); },
                    .input_shape = {2, 3, 2, 2},
                    .expected_output_shape = {2, 4, 4, 2}});
}

TEST_CASE("UpSampling1D and UpSampling2D pass the layer harness", "[layers][reshaping][pool-reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::UpSampling1D()); },
                    .input_shape = {2, 3, 2},
                    .expected_output_shape = {2, 6, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::UpSampling1D(3)); },
                    .input_shape = {1, 2, 3},
                    .expected_output_shape = {1, 6, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::UpSampling2D()); },
                    .input_shape = {2, 2, 3, 2},
                    .expected_output_shape = {2, 4, 6, 2}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::UpSampling2D({1, 3})); },
                    .input_shape = {1, 2, 2, 3},
                    .expected_output_shape = {1, 2, 6, 3}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::UpSampling2D({2, 3}, {.interpolation = "bilinear"})); },
                    .input_shape = {2, 2, 3, 2},
                    .expected_output_shape = {2, 4, 9, 2}});
}

TEST_CASE("Permute reorders the axes after the batch, counted from 1", "[layers][reshaping][pool-reshape]") {
    check_near(kx::layers::Permute({2, 1})(iota({1, 2, 3})), {1, 3, 2}, {0, 3, 1, 4, 2, 5});
    kx::layers::Permute cycle({3, 1, 2});
    const kx::Tensor x = iota({2, 2, 3, 4});
    const kx::Tensor y = cycle(x);
    REQUIRE(y.shape() == kx::Shape{2, 4, 2, 3});
    for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t j = 0; j < 3; ++j)
                for (std::size_t k = 0; k < 4; ++k) CHECK(y.at({b, k, i, j}) == x.at({b, i, j, k}));
}

TEST_CASE("RepeatVector stacks n copies of each sample's vector", "[layers][reshaping][pool-reshape]") {
    check_near(kx::layers::RepeatVector(2)(kx::Tensor({2, 2}, {1, 2, 3, 4})), {2, 2, 2}, {1, 2, 1, 2, 3, 4, 3, 4});
}

TEST_CASE("cropping layers remove steps, rows and columns at both ends", "[layers][reshaping][pool-reshape]") {
    const kx::Tensor steps = iota({1, 4, 1});   // 0, 1, 2, 3
    check_near(kx::layers::Cropping1D()(steps), {1, 2, 1}, {1, 2});
    check_near(kx::layers::Cropping1D({1, 2})(steps), {1, 1, 1}, {1});
    check_near(kx::layers::Cropping1D(0)(steps), {1, 4, 1}, {0, 1, 2, 3});
    // x[r, c] = 4r + c over (3, 4): rows 1..2 and column 1 remain.
    const kx::Tensor image = iota({1, 3, 4, 1});
    check_near(kx::layers::Cropping2D({{1, 0}, {1, 2}})(image), {1, 2, 1, 1}, {5, 9});
    check_near(kx::layers::Cropping2D(1)(image), {1, 1, 2, 1}, {5, 6});
    // (height, width) symmetric: 0 rows, 1 column at each side.
    check_near(kx::layers::Cropping2D({0, 1})(image), {1, 3, 2, 1}, {1, 2, 5, 6, 9, 10});
}

TEST_CASE("padding layers add zeros at both ends", "[layers][reshaping][pool-reshape]") {
    check_near(kx::layers::ZeroPadding1D({1, 2})(kx::Tensor({1, 2, 1}, {1, 2})), {1, 5, 1}, {0, 1, 2, 0, 0});
    // Keras' docstring example: (1, 1, 2, 2) holding 0, 1, 2, 3 padded by 1 all round.
    check_near(kx::layers::ZeroPadding2D(1)(iota({1, 1, 2, 2})), {1, 3, 4, 2},
               {0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 1, 2, 3, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0});
    check_near(kx::layers::ZeroPadding2D({{0, 1}, {2, 0}})(kx::Tensor({1, 1, 1, 1}, {7})), {1, 2, 3, 1}, {0, 0, 7, 0, 0, 0});
}

TEST_CASE("UpSampling1D and nearest UpSampling2D repeat steps, rows and columns", "[layers][reshaping][pool-reshape]") {
    // Keras' docstring examples.
    check_near(kx::layers::UpSampling1D(2)(iota({2, 2, 3})), {2, 4, 3},
               {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 6, 7, 8, 9, 10, 11, 9, 10, 11});
    check_near(kx::layers::UpSampling2D({1, 2})(iota({2, 2, 1, 3})), {2, 2, 2, 3},
               {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 6, 7, 8, 9, 10, 11, 9, 10, 11});
    check_near(kx::layers::UpSampling2D()(kx::Tensor({1, 1, 2, 1}, {1, 2})), {1, 2, 4, 1}, {1, 1, 2, 2, 1, 1, 2, 2});
}

TEST_CASE("bilinear UpSampling2D interpolates between pixel centres like Keras and PyTorch", "[layers][reshaping][pool-reshape]") {
    // The (1, 2, 3, 1) image [[1, 2, 4], [3, 5, 9]] scaled by (2, 3). Reference: PyTorch
    // F.interpolate(x_nchw, scale_factor=(2, 3), mode="bilinear", align_corners=False), which
    // samples as TF's resize (Keras' backend) does when upsampling.
    const kx::Tensor x({1, 2, 3, 1}, {1, 2, 4, 3, 5, 9});
    check_near(kx::layers::UpSampling2D({2, 3}, {.interpolation = "bilinear"})(x), {1, 4, 9, 1},
               {1.0f, 1.0f, 1.3333334f, 1.6666667f, 2.0f, 2.6666667f, 3.3333335f, 4.0f, 4.0f,
                1.5f, 1.5f, 1.9166667f, 2.3333333f, 2.75f, 3.5833335f, 4.416667f, 5.25f, 5.25f,
                2.5f, 2.5f, 3.0833335f, 3.6666665f, 4.25f, 5.416667f, 6.5833335f, 7.75f, 7.75f,
                3.0f, 3.0f, 3.6666667f, 4.3333335f, 5.0f, 6.3333335f, 7.666667f, 9.0f, 9.0f});
    // Channels interpolate independently: a second channel of 10x gives 10x.
    kx::Tensor two = kx::Tensor::empty({1, 2, 3, 2});
    for (std::size_t i = 0; i < 6; ++i) {
        two.data()[2 * i] = x.data()[i];
        two.data()[2 * i + 1] = 10 * x.data()[i];
    }
    const kx::Tensor y = kx::layers::UpSampling2D(2, {.interpolation = "Bilinear"})(two);
    REQUIRE(y.shape() == kx::Shape{1, 4, 6, 2});
    // PyTorch, scale_factor 2: row 1 is 1.5, 1.8125, 2.4375, 3.375, 4.625, 5.25.
    const std::vector<float> row1{1.5f, 1.8125f, 2.4375f, 3.375f, 4.625f, 5.25f};
    for (std::size_t j = 0; j < 6; ++j) {
        CHECK(y.at({0, 1, j, 0}) == Approx(row1[j]).margin(1e-5));
        CHECK(y.at({0, 1, j, 1}) == Approx(10 * row1[j]).margin(1e-4));
    }
}

TEST_CASE("reshaping layers take Keras' default names", "[layers][reshaping][pool-reshape]") {
    kx::backend::clear_session();
    CHECK(kx::layers::Permute({1}).name() == "permute");
    CHECK(kx::layers::RepeatVector(2).name() == "repeat_vector");
    CHECK(kx::layers::Cropping1D().name() == "cropping1d");
    CHECK(kx::layers::Cropping2D().name() == "cropping2d");
    CHECK(kx::layers::ZeroPadding1D().name() == "zero_padding1d");
    CHECK(kx::layers::ZeroPadding2D().name() == "zero_padding2d");
    CHECK(kx::layers::UpSampling1D().name() == "up_sampling1d");
    CHECK(kx::layers::UpSampling2D().name() == "up_sampling2d");
    CHECK(kx::layers::UpSampling2D(2, {.name = "up"}).name() == "up");
}

TEST_CASE("cropping and padding arguments follow Keras: n, (before, after), ((top, bottom), (left, right))",
          "[layers][reshaping][pool-reshape]") {
    CHECK(kx::layers::Cropping1D(2).cropping() == Margins{2, 2});
    CHECK(kx::layers::ZeroPadding1D({0, 0}).padding() == Margins{0, 0});
    CHECK(kx::layers::Cropping2D().cropping() == Margins2{{0, 0}, {0, 0}});
    CHECK(kx::layers::Cropping2D({0, 0}).cropping() == Margins2{{0, 0}, {0, 0}});
    CHECK(kx::layers::Cropping2D({1, 2}).cropping() == Margins2{{1, 1}, {2, 2}});
    CHECK(kx::layers::ZeroPadding2D().padding() == Margins2{{1, 1}, {1, 1}});
    CHECK(kx::layers::ZeroPadding2D({{1, 2}, {3, 4}}).padding() == Margins2{Margins{1, 2}, Margins{3, 4}});
}

TEST_CASE("reshaping layers write Keras config keys", "[layers][reshaping][pool-reshape]") {
    const auto base = [](const char* name) { return nlohmann::json{{"name", name}, {"trainable", true}}; };
    auto expect = base("p");
    expect["dims"] = {2, 1};
    CHECK(kx::layers::Permute({2, 1}, "p").get_config() == expect);
    expect = base("r");
    expect["n"] = 3;
    CHECK(kx::layers::RepeatVector(3, "r").get_config() == expect);
    expect = base("c1");
    expect["cropping"] = {1, 2};
    CHECK(kx::layers::Cropping1D({1, 2}, {.name = "c1"}).get_config() == expect);
    expect = base("c2");
    expect["cropping"] = {{1, 2}, {3, 4}};
    expect["data_format"] = "channels_last";
    CHECK(kx::layers::Cropping2D({{1, 2}, {3, 4}}, {.name = "c2"}).get_config() == expect);
    expect = base("z1");
    expect["padding"] = {1, 1};
    CHECK(kx::layers::ZeroPadding1D(1, {.name = "z1"}).get_config() == expect);
    expect = base("z2");
    expect["padding"] = {{2, 2}, {0, 0}};
    expect["data_format"] = "channels_last";
    CHECK(kx::layers::ZeroPadding2D({2, 0}, {.name = "z2"}).get_config() == expect);
    expect = base("u1");
    expect["size"] = 2;
    CHECK(kx::layers::UpSampling1D(2, "u1").get_config() == expect);
    expect = base("u2");
    expect["size"] = {2, 3};
    expect["data_format"] = "channels_last";
    expect["interpolation"] = "bilinear";
    CHECK(kx::layers::UpSampling2D({2, 3}, {.interpolation = "bilinear", .name = "u2"}).get_config() == expect);
}

TEST_CASE("reshaping layers read the configs Keras writes", "[layers][reshaping][pool-reshape]") {
    const auto load = [](const char* text) { return kx::layers::deserialize(nlohmann::json::parse(text)); };
    CHECK(load(R"({"class_name": "Permute", "config": {"name": "p", "dtype": "float32", "dims": [2, 1]}})")
              ->compute_output_shape({kx::None, 5, 7}) == kx::Shape{kx::None, 7, 5});
    CHECK(load(R"({"class_name": "RepeatVector", "config": {"name": "r", "n": 4}})")
              ->compute_output_shape({kx::None, 3}) == kx::Shape{kx::None, 4, 3});
    CHECK(load(R"({"class_name": "Cropping1D", "config": {"name": "c", "cropping": [1, 3]}})")
              ->compute_output_shape({kx::None, 10, 2}) == kx::Shape{kx::None, 6, 2});
    CHECK(load(R"({"class_name": "Cropping2D", "config": {"name": "c2", "cropping": [[1, 2], [3, 4]],
                   "data_format": "channels_last"}})")
              ->compute_output_shape({kx::None, 10, 10, 3}) == kx::Shape{kx::None, 7, 3, 3});
    CHECK(load(R"({"class_name": "ZeroPadding1D", "config": {"name": "z", "padding": [0, 2]}})")
              ->compute_output_shape({kx::None, 10, 2}) == kx::Shape{kx::None, 12, 2});
    CHECK(load(R"({"class_name": "ZeroPadding2D", "config": {"name": "z2", "padding": [[1, 1], [2, 2]],
                   "data_format": null}})")
              ->compute_output_shape({kx::None, 4, 4, 3}) == kx::Shape{kx::None, 6, 8, 3});
    CHECK(load(R"({"class_name": "UpSampling1D", "config": {"name": "u", "size": 3}})")
              ->compute_output_shape({kx::None, 4, 2}) == kx::Shape{kx::None, 12, 2});
    const kx::LayerHandle up = load(R"({"class_name": "UpSampling2D", "config": {"name": "u2", "size": [2, 2],
                                        "data_format": "channels_last", "interpolation": "bilinear"}})");
    CHECK(up->get_config()["interpolation"] == "bilinear");
    CHECK(up->compute_output_shape({kx::None, 4, 5, 3}) == kx::Shape{kx::None, 8, 10, 3});
    REQUIRE_THROWS_WITH(load(R"({"class_name": "UpSampling2D", "config": {"data_format": "channels_first"}})"),
                        Contains("UpSampling2D") && Contains("channels_last") && Contains("channels_first"));
    REQUIRE_THROWS_WITH(load(R"({"class_name": "Cropping2D", "config": {"data_format": "channels_first"}})"),
                        Contains("Cropping2D") && Contains("channels_last"));
}

TEST_CASE("reshaping layers chain inside a Sequential model", "[layers][reshaping][pool-reshape]") {
    kx::Sequential model({kx::layers::Input({6, 2}), kx::layers::ZeroPadding1D(1), kx::layers::MaxPooling1D(2),
                          kx::layers::UpSampling1D(3), kx::layers::Cropping1D({2, 1}), kx::layers::Flatten(),
                          kx::layers::RepeatVector(2), kx::layers::Permute({2, 1})});
    // (6, 2) -> pad (8, 2) -> pool (4, 2) -> up (12, 2) -> crop (9, 2) -> flatten (18,) -> (2, 18) -> (18, 2)
    CHECK(model.output_shape() == kx::Shape{kx::None, 18, 2});
    CHECK(model(iota({3, 6, 2})).shape() == kx::Shape{3, 18, 2});
}

TEST_CASE("reshaping layers reject bad arguments, naming the layer and the values", "[layers][reshaping][pool-reshape]") {
    REQUIRE_THROWS_WITH(kx::layers::Permute({1, 3}),
                        Contains("Permute: expected dims to be a permutation of 1..2 (the non-batch axes, counted from 1), "
                                 "got (1, 3)"));
    REQUIRE_THROWS_WITH(kx::layers::Permute({0, 1}), Contains("got (0, 1)"));
    REQUIRE_THROWS_WITH(kx::layers::Permute({2, 2}), Contains("got (2, 2)"));
    REQUIRE_THROWS_WITH(kx::layers::RepeatVector(0), Contains("RepeatVector: expected a positive n, got n=0"));
    REQUIRE_THROWS_WITH(kx::layers::UpSampling1D(0), Contains("UpSampling1D: expected a positive size, got size=0"));
    REQUIRE_THROWS_WITH(kx::layers::UpSampling2D({2, 0}), Contains("UpSampling2D: expected a positive size, got (2, 0)"));
    REQUIRE_THROWS_WITH(kx::layers::UpSampling2D(2, {.interpolation = "bicubic"}),
                        Contains("UpSampling2D: unsupported interpolation 'bicubic'; expected one of: nearest, bilinear"));
}

TEST_CASE("cropping more than the input is an error with the cropping and the shape", "[layers][reshaping][pool-reshape]") {
    kx::layers::Cropping1D crop1({2, 2}, {.name = "c1"});
    REQUIRE_THROWS_WITH(crop1(kx::Tensor({1, 4, 2})),
                        Contains("Cropping1D 'c1': cropping (2, 2) removes 4 of the 4 steps of the input (None, 4, 2); "
                                 "it must leave at least one"));
    kx::layers::Cropping2D crop2({{0, 0}, {3, 2}}, {.name = "c2"});
    REQUIRE_THROWS_WITH(crop2(kx::Tensor({1, 4, 5, 1})),
                        Contains("Cropping2D 'c2': cropping ((0, 0), (3, 2)) removes 5 of the 5 columns of the input "
                                 "(None, 4, 5, 1)"));
    REQUIRE_THROWS_WITH(kx::layers::Cropping2D({{3, 1}, {0, 0}}).compute_output_shape({kx::None, 3, 8, 1}),
                        Contains("removes 4 of the 3 rows"));
}

TEST_CASE("reshaping layers reject inputs of the wrong rank, naming the layer", "[layers][reshaping][pool-reshape]") {
    kx::layers::Permute permute({2, 1}, "perm");
    REQUIRE_THROWS_WITH(permute(kx::Tensor({2, 3, 4, 5})),
                        Contains("Permute 'perm': expected input of rank 3 (batch + the 2 axes of dims (2, 1)), got shape "
                                 "(None, 3, 4, 5)"));
    kx::layers::RepeatVector repeat(2, "rv");
    REQUIRE_THROWS_WITH(repeat(kx::Tensor({2, 3, 4})),
                        Contains("RepeatVector 'rv': expected input of rank 2 (batch, features), got shape (None, 3, 4)"));
    kx::layers::ZeroPadding1D pad1(1, {.name = "z1"});
    REQUIRE_THROWS_WITH(pad1(kx::Tensor({2, 3})),
                        Contains("ZeroPadding1D 'z1': expected input of rank 3 (batch, steps, features), got shape (None, 3)"));
    kx::layers::UpSampling2D up2(2, {.name = "u2"});
    REQUIRE_THROWS_WITH(up2(kx::Tensor({2, 3, 4})),
                        Contains("UpSampling2D 'u2': expected input of rank 4 (batch, height, width, channels), got shape "
                                 "(None, 3, 4)"));
    REQUIRE_THROWS_WITH(kx::layers::Cropping2D(1, {.name = "c"})(kx::Tensor({2, 5, 5})), Contains("Cropping2D 'c'") && Contains("rank 4"));
    REQUIRE_THROWS_WITH(kx::layers::ZeroPadding2D(1, {.name = "z"})(kx::Tensor({2, 5})), Contains("ZeroPadding2D 'z'") && Contains("rank 4"));
    REQUIRE_THROWS_WITH(kx::layers::Cropping1D(1, {.name = "k"})(kx::Tensor({2, 5, 5, 1})), Contains("Cropping1D 'k'") && Contains("rank 3"));
    REQUIRE_THROWS_WITH(kx::layers::UpSampling1D(2, "u")(kx::Tensor({2, 5})), Contains("UpSampling1D 'u'") && Contains("rank 3"));
}
