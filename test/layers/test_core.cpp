#include "layer_test.hpp"

using Catch::Matchers::Contains;

TEST_CASE("Dense passes the layer harness", "[layers][dense]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Dense(4, "tanh")); },
                    .input_shape = {3, 5},
                    .expected_output_shape = {3, 4},
                    .expected_weights = 2,
                    .expected_params = 24});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Dense(2, {.activation = "softmax", .use_bias = false})); },
                    .input_shape = {2, 3},
                    .expected_output_shape = {2, 2},
                    .expected_weights = 1,
                    .expected_params = 6});
}

TEST_CASE("Dense acts on the last axis of rank-3 inputs", "[layers][dense]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Dense(3, "relu")); },
                    .input_shape = {2, 4, 5},
                    .expected_output_shape = {2, 4, 3},
                    .expected_weights = 2,
                    .expected_params = 18});
}

TEST_CASE("Dense computes x . kernel + bias with the weights it was given", "[layers][dense]") {
    kx::layers::Dense dense(2);
    dense.ensure_built({kx::None, 3});
    dense.set_weights({kx::Tensor({3, 2}, {1, 0, 0, 1, 1, 1}), kx::Tensor({2}, {0.5f, -0.5f})});
    const kx::Tensor y = dense(kx::Tensor({1, 3}, {1, 2, 3}));
    CHECK(y.to_vector() == std::vector<float>{4.5f, 4.5f});
}

TEST_CASE("Dense names itself like Keras and rejects bad arguments and inputs", "[layers][dense]") {
    kx::backend::clear_session();
    kx::layers::Dense a(3), b(3);
    kx::layers::Dense c(3, "relu", "head");
    CHECK(a.name() == "dense");
    CHECK(b.name() == "dense_1");
    CHECK(c.name() == "head");
    REQUIRE_THROWS_WITH(kx::layers::Dense(0), Contains("units=0") && Contains("positive integer"));
    REQUIRE_THROWS_WITH(kx::layers::Dense(3, "relux"), Contains("relux") && Contains("relu"));
    a(kx::Tensor({2, 128}));
    REQUIRE_THROWS_WITH(a(kx::Tensor({32, 64})), Contains("Dense 'dense'") && Contains("(None, 128)") && Contains("(32, 64)"));
}

TEST_CASE("Dense initializers come from the options", "[layers][dense]") {
    kx::layers::Dense dense(3, {.kernel_initializer = "ones", .bias_initializer = "ones"});
    dense.ensure_built({kx::None, 2});
    CHECK(dense.kernel().to_vector() == std::vector<float>(6, 1.0f));
    CHECK(dense.bias().to_vector() == std::vector<float>(3, 1.0f));
}

TEST_CASE("Activation passes the layer harness and applies its function", "[layers][activation]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Activation("sigmoid")); },
                    .input_shape = {2, 3},
                    .expected_output_shape = {2, 3}});
    kx::layers::Activation relu("relu");
    CHECK(relu(kx::Tensor({1, 3}, {-1, 0.5f, 2})).to_vector() == std::vector<float>{0, 0.5f, 2});
}

TEST_CASE("Input is the identity and records its shape without the batch", "[layers][input]") {
    kx::layers::Input input({28, 28}, "pixels");
    CHECK(input.shape() == kx::Shape{28, 28});
    CHECK(input.class_name() == "InputLayer");
    CHECK(input.get_config()["batch_shape"].dump() == "[null,28,28]");
    REQUIRE_THROWS_WITH(kx::layers::Input({28, 0}), Contains("(28, 0)"));
}
