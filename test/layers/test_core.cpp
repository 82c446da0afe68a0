#include "layer_test.hpp"

#include <cmath>

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
    // A fixed kernel draw, so that no pre-activation lands within the gradient check's step of
    // relu's kink, whatever ran before.
    kx::utils::set_random_seed(4);
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

TEST_CASE("Dense kernel_regularizer L2 puts 0.01 * sum(kernel^2) in losses()", "[layers][dense][regularization]") {
    kx::layers::Dense dense(2, {.kernel_regularizer = "l2"});
    dense.ensure_built({kx::None, 3});
    dense.set_weights({kx::Tensor({3, 2}, {1, -2, 0.5f, 3, -1, 0}), kx::Tensor({2}, {4, 5})});
    const kx::Tensors losses = dense.losses();
    REQUIRE(losses.size() == 1);
    CHECK(losses[0].item() == Approx(0.01 * (1 + 4 + 0.25 + 9 + 1)));   // the bias is not regularized
}

TEST_CASE("Dense sums kernel, bias and activity penalties", "[layers][dense][regularization]") {
    kx::layers::Dense dense(1, {.kernel_regularizer = kx::regularizers::L1(0.1),
                                .bias_regularizer = kx::regularizers::L2(0.5),
                                .activity_regularizer = kx::regularizers::L2(0.01)});
    dense.ensure_built({kx::None, 2});
    dense.set_weights({kx::Tensor({2, 1}, {1, -3}), kx::Tensor({1}, {2})});
    dense(kx::Tensor({2, 2}, {1, 1, 2, 0}));   // outputs -2 + 2 = 0 and 2 + 2 = 4
    double total = 0.0;
    for (const kx::Tensor& loss : dense.losses()) total += loss.item();
    // kernel 0.1 * 4, bias 0.5 * 4, activity 0.01 * (0 + 16), summed over the batch as in Keras 3
    CHECK(total == Approx(0.4 + 2.0 + 0.16));
    CHECK(dense.losses().size() == 3);
}

TEST_CASE("Dense writes its regularizers and constraints in its config and restores them", "[layers][dense][regularization]") {
    run_layer_test({.make = [] {
                        return kx::LayerHandle(kx::layers::Dense(
                            3, {.activation = "tanh",
                                .kernel_regularizer = kx::regularizers::L1L2({.l1 = 0.001, .l2 = 0.002}),
                                .bias_regularizer = "l2",
                                .activity_regularizer = kx::regularizers::L1(0.003),
                                .kernel_constraint = kx::constraints::MaxNorm({.max_value = 1.5}),
                                .bias_constraint = "non_neg"}));
                    },
                    .input_shape = {2, 4},
                    .expected_output_shape = {2, 3},
                    .expected_weights = 2,
                    .expected_params = 15});
    kx::layers::Dense dense(3, {.kernel_regularizer = "l2", .kernel_constraint = "unit_norm"});
    const nlohmann::json config = dense.get_config();
    CHECK(config["kernel_regularizer"] == nlohmann::json{{"class_name", "L2"}, {"config", {{"l2", 0.01}}}});
    CHECK(config["kernel_constraint"] == nlohmann::json{{"class_name", "UnitNorm"}, {"config", {{"axis", 0}}}});
    CHECK(config["bias_regularizer"].is_null());
    CHECK(config["activity_regularizer"].is_null());
    CHECK(config["bias_constraint"].is_null());
    // A Keras config without these fields (or with nulls) gives a Dense without them.
    nlohmann::json plain = kx::layers::Dense(2).get_config();
    plain.erase("kernel_regularizer");
    plain.erase("kernel_constraint");
    kx::LayerHandle restored = kx::layers::deserialize({{"class_name", "Dense"}, {"config", plain}});
    CHECK(restored->get_config()["kernel_regularizer"].is_null());
    CHECK(restored->get_config()["kernel_constraint"].is_null());
}

TEST_CASE("A MaxNorm-constrained Dense kernel stays within max_value after a fit step", "[layers][dense][regularization]") {
    kx::utils::set_random_seed(2);
    kx::LayerHandle dense = kx::layers::Dense(4, {.kernel_initializer = "ones",
                                                 .kernel_constraint = kx::constraints::MaxNorm({.max_value = 0.5})});
    kx::Sequential model({kx::layers::Input({3}), dense});
    model.compile({.optimizer = kx::optimizers::SGD(0.1), .loss = "mse"});
    model.train_on_batch(kx::Tensor({2, 3}, {1, 2, 3, -1, 0, 1}), kx::Tensor({2, 4}));
    const std::vector<float> kernel = dense->get_weights()[0].to_vector();   // (3, 4)
    for (std::size_t unit = 0; unit < 4; ++unit) {
        double norm = 0.0;
        for (std::size_t in = 0; in < 3; ++in) norm += kernel[in * 4 + unit] * kernel[in * 4 + unit];
        // ones' norm is sqrt(3): the projection brings every column back to 0.5.
        CHECK(std::sqrt(norm) == Approx(0.5).margin(1e-5));
    }
}

TEST_CASE("A NonNeg-constrained Dense kernel stays non-negative after a fit step", "[layers][dense][regularization]") {
    kx::LayerHandle dense = kx::layers::Dense(2, {.kernel_constraint = "non_neg", .bias_constraint = "non_neg"});
    kx::Sequential model({kx::layers::Input({2}), dense});
    dense->set_weights({kx::Tensor({2, 2}, {-1, 0.5f, 0.25f, -0.5f}), kx::Tensor({2}, {-1, 1})});
    model.compile({.optimizer = kx::optimizers::SGD(0.01), .loss = "mse"});
    model.train_on_batch(kx::Tensor({1, 2}, {1, 1}), kx::Tensor({1, 2}, {0, 0}));
    const auto weights = dense->get_weights();
    for (float w : weights[0].to_vector()) CHECK(w >= 0.0f);
    for (float b : weights[1].to_vector()) CHECK(b >= 0.0f);
    CHECK(weights[0].to_vector()[0] == 0.0f);   // was -1: projected to 0
    CHECK(weights[0].to_vector()[1] > 0.0f);    // was 0.5: a small step leaves it positive
}

TEST_CASE("Identity passes the layer harness and returns its input", "[layers][regularization]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Identity()); },
                    .input_shape = {2, 3, 4},
                    .expected_output_shape = {2, 3, 4}});
    kx::backend::clear_session();
    kx::layers::Identity identity;
    CHECK(identity.class_name() == "Identity");
    CHECK(identity.name() == "identity");
    const kx::Tensor x({2, 2}, {1, -2, 3, -4});
    CHECK(identity(x).to_vector() == x.to_vector());
}
