#include "layers/layer_test.hpp"
#include "support/values.hpp"

#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <vector>

using Catch::Matchers::Contains;
using kx::Tensor;
using kx::layers::BatchNormalization;
using kx::layers::GroupNormalization;
using kx::layers::LayerNormalization;
using kx::layers::UnitNormalization;

namespace {
// x (2, 2, 3): three channels, four positions. Expected values are PyTorch's in float64, eps=1e-3.
const Tensor x223({2, 2, 3}, {0.5f, -1.2f, 2.0f, 1.5f, 0.3f, -0.7f, -0.4f, 0.9f, 1.1f, 2.2f, -1.8f, 0.0f});
// Its batch statistics per channel (biased variance) and x normalised with them:
// (x - mean) / sqrt(var + 1e-3).
const std::vector<float> batch_mean{0.95f, -0.45f, 0.6f}, batch_var{0.9725f, 1.1925f, 1.065f};
const std::vector<float> normalised{-0.456084f, -0.686515f, 1.355968f, 0.557436f, 0.686515f, -1.259113f,
                                    -1.368251f, 1.235727f,  0.484274f, 1.266899f, -1.235727f, -0.581129f};
}  // namespace

TEST_CASE("Normalization layers pass the layer harness", "[normalization]") {
    run_layer_test({.make = [] { return kx::LayerHandle(BatchNormalization()); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4},
                    .expected_weights = 4, .expected_params = 16});
    run_layer_test({.make = [] { return kx::LayerHandle(BatchNormalization({.center = false, .scale = false})); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4},
                    .expected_weights = 2, .expected_params = 8});
    run_layer_test({.make = [] { return kx::LayerHandle(BatchNormalization({.axis = 1, .momentum = 0.9})); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4},
                    .expected_weights = 4, .expected_params = 12});
    run_layer_test({.make = [] { return kx::LayerHandle(LayerNormalization()); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4},
                    .expected_weights = 2, .expected_params = 8});
    run_layer_test({.make = [] { return kx::LayerHandle(LayerNormalization({.axis = {1, 2}, .epsilon = 1e-5})); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4},
                    .expected_weights = 2, .expected_params = 24});
    run_layer_test({.make = [] { return kx::LayerHandle(LayerNormalization({.axis = 1, .center = false})); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4},
                    .expected_weights = 1, .expected_params = 3});
    run_layer_test({.make = [] { return kx::LayerHandle(GroupNormalization(2)); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4},
                    .expected_weights = 2, .expected_params = 8});
    run_layer_test({.make = [] { return kx::LayerHandle(GroupNormalization(-1, {.scale = false})); },
                    .input_shape = {2, 2, 2, 3}, .expected_output_shape = {2, 2, 2, 3},
                    .expected_weights = 1, .expected_params = 3});
    run_layer_test({.make = [] { return kx::LayerHandle(GroupNormalization(2, {.axis = 1})); },
                    .input_shape = {2, 4, 3}, .expected_output_shape = {2, 4, 3},
                    .expected_weights = 2, .expected_params = 8});
    run_layer_test({.make = [] { return kx::LayerHandle(UnitNormalization()); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4}});
    run_layer_test({.make = [] { return kx::LayerHandle(UnitNormalization({1, 2})); },
                    .input_shape = {2, 3, 4}, .expected_output_shape = {2, 3, 4}});
}

TEST_CASE("BatchNormalization in training normalises with the batch statistics", "[normalization]") {
    BatchNormalization bn;
    check_values(bn(x223, /*training=*/true), {2, 2, 3}, normalised, 1e-4);
    // Gamma and beta scale and shift: torch F.batch_norm(..., g, b, training=True, eps=1e-3).
    bn.set_weights({Tensor({3}, {1.5f, -0.5f, 2.0f}), Tensor({3}, {0.1f, 0.2f, -0.3f}), Tensor::zeros({3}),
                    Tensor::ones({3})});
    check_values(bn(x223, true), {2, 2, 3},
                 {-0.584126f, 0.543258f, 2.411936f, 0.936153f, -0.143258f, -2.818226f, -1.952377f, -0.417864f,
                  0.668549f, 2.000349f, 0.817864f, -1.462258f},
                 1e-4);
}

TEST_CASE("BatchNormalization updates its moving statistics on every training call", "[normalization]") {
    BatchNormalization bn({.momentum = 0.9});
    for (int call = 0; call < 3; ++call) bn(x223, true);
    // Keras' rule, three times from (0, 1): moving = moving * 0.9 + batch * 0.1, batch variance biased.
    check_values(bn.moving_mean(), {3}, {0.25745f, -0.12195f, 0.1626f}, 1e-5);
    check_values(bn.moving_variance(), {3}, {0.992547f, 1.052168f, 1.017615f}, 1e-5);
    CHECK(bn.non_trainable_weights().size() == 2);
    CHECK(bn.trainable_weights().size() == 2);
    // Inference calls read the statistics and leave them alone.
    bn(x223, false);
    check_values(bn.moving_mean(), {3}, {0.25745f, -0.12195f, 0.1626f}, 1e-5);
}

TEST_CASE("BatchNormalization at inference uses the moving statistics, not the batch's", "[normalization]") {
    BatchNormalization bn({.momentum = 0.9});
    // Fresh: moving mean 0, variance 1, so inference is x / sqrt(1 + 1e-3).
    const Tensor fresh = bn(x223);
    for (std::size_t i = 0; i < x223.size(); ++i)
        CHECK(fresh.data()[i] == Approx(x223.data()[i] / std::sqrt(1.001)).margin(1e-6));
    const Tensor trained = bn(x223, true);
    for (int call = 0; call < 2; ++call) bn(x223, true);
    // After three training calls: (x - moving_mean) / sqrt(moving_variance + 1e-3), values as above.
    const Tensor inferred = bn(x223, false);
    check_values(inferred, {2, 2, 3},
                 {0.243336f, -1.050486f, 1.820534f, 1.246578f, 0.411161f, -0.854682f, -0.659581f, 0.99582f,
                  0.928795f, 1.948848f, -1.635145f, -0.161107f},
                 1e-4);
    CHECK(std::abs(inferred.data()[0] - trained.data()[0]) > 0.5f);
}

TEST_CASE("A frozen BatchNormalization runs in inference mode even in training, as in Keras", "[normalization]") {
    BatchNormalization bn;
    bn.set_trainable(false);
    const Tensor y = bn(x223, true);
    for (std::size_t i = 0; i < x223.size(); ++i) CHECK(y.data()[i] == Approx(x223.data()[i] / std::sqrt(1.001)).margin(1e-6));
    CHECK(bn.moving_mean().to_vector() == std::vector<float>{0.0f, 0.0f, 0.0f});
    CHECK(bn.moving_variance().to_vector() == std::vector<float>{1.0f, 1.0f, 1.0f});
}

TEST_CASE("BatchNormalization in training mode has finite-difference gradients", "[normalization]") {
    for (int axis : {-1, 1}) {
        INFO("axis " << axis);
        auto bn = std::make_shared<BatchNormalization>(BatchNormalization::Options{.axis = axis});
        bn->ensure_built(kx::Shape{kx::None, 3, 4});
        bn->set_weights({Tensor::full(bn->gamma().shape(), 1.5f), Tensor::full(bn->beta().shape(), 0.2f),
                         Tensor::zeros(bn->gamma().shape()), Tensor::ones(bn->gamma().shape())});
        Tensor x = Tensor::empty({2, 3, 4});
        for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = std::sin(0.9f * static_cast<float>(i)) + 0.1f;
        require_gradients([bn](const std::vector<Tensor>& in) { return (*bn)(in[0], /*training=*/true); }, {x});
    }
}

TEST_CASE("BatchNormalization in training sends gradients to gamma and beta", "[normalization]") {
    BatchNormalization bn;
    const Tensor y = bn(x223, true);
    // loss = sum(y * w): dbeta[c] = sum over positions of w, dgamma[c] = sum of w * normalised x.
    const Tensor w({2, 2, 3}, {1, 2, 3, 4, 5, 6, -1, -2, -3, 0.5f, 0.5f, 0.5f});
    const auto grads = kx::GradientTape().gradient(kx::ops::sum(y * w), bn.trainable_weights());
    std::vector<float> dgamma(3, 0.0f), dbeta(3, 0.0f);
    for (std::size_t i = 0; i < 12; ++i) {
        dgamma[i % 3] += w.data()[i] * normalised[i];
        dbeta[i % 3] += w.data()[i];
    }
    check_values(grads[0], {3}, dgamma, 1e-4);
    check_values(grads[1], {3}, dbeta, 1e-5);
}

TEST_CASE("BatchNormalization on axis 1 normalises that axis, as torch batch_norm on (N, C, L)", "[normalization]") {
    // F.batch_norm(x, None, None, training=True, eps=1e-3) on x (2, 3, 2)
    BatchNormalization bn({.axis = 1});
    const Tensor x({2, 3, 2}, x223.to_vector());
    check_values(bn(x, true), {2, 3, 2},
                 {0.675215f, -1.411814f, 0.695608f, -0.463739f, 1.051468f, -0.185553f, -0.429682f, 1.166281f,
                  -1.391217f, 1.159347f, -1.546277f, 0.680362f},
                 1e-4);
    CHECK(bn.moving_mean().shape() == kx::Shape{3});
}

TEST_CASE("BatchNormalization statistics follow model.fit's training calls", "[normalization]") {
    kx::Sequential model({kx::layers::Input({3}), BatchNormalization({.momentum = 0.5}),
                          kx::layers::Dense(1, {.kernel_initializer = "ones"})});
    model.compile({.optimizer = "sgd", .loss = "mse"});
    const Tensor x({4, 3}, {0.5f, -1.2f, 2.0f, 1.5f, 0.3f, -0.7f, -0.4f, 0.9f, 1.1f, 2.2f, -1.8f, 0.0f});
    model.fit(x, Tensor::zeros({4, 1}), {.epochs = 1, .batch_size = 4, .verbose = 0, .shuffle = false});
    const auto& bn = dynamic_cast<const BatchNormalization&>(*model.layers()[0]);
    // One batch: moving = 0.5 * initial + 0.5 * batch statistics.
    check_values(bn.moving_mean(), {3}, {0.475f, -0.225f, 0.3f}, 1e-6);
    check_values(bn.moving_variance(), {3}, {0.98625f, 1.09625f, 1.0325f}, 1e-5);
}

TEST_CASE("LayerNormalization matches torch layer_norm", "[normalization]") {
    LayerNormalization ln;
    check_values(ln(x223), {2, 2, 3},   // F.layer_norm(x, (3,), eps=1e-3), before any weight changes
                 {0.050983f, -1.249082f, 1.198099f, 1.259346f, -0.074079f, -1.185266f, -1.401929f, 0.550758f,
                  0.851171f, 1.26323f, -1.181731f, -0.081499f},
                 1e-4);
    ln.set_weights({Tensor({3}, {1.5f, -0.5f, 2.0f}), Tensor({3}, {0.1f, 0.2f, -0.3f})});
    check_values(ln(x223), {2, 2, 3},   // F.layer_norm(x, (3,), g, b, eps=1e-3)
                 {0.176474f, 0.824541f, 2.096198f, 1.989018f, 0.23704f, -2.670533f, -2.002893f, -0.075379f,
                  1.402342f, 1.994844f, 0.790865f, -0.462997f},
                 1e-4);
    // Over axes 1 and 2: gamma and beta of shape (2, 3). F.layer_norm(x, (2, 3), g2, b2, eps=1e-3)
    LayerNormalization ln2({.axis = {1, 2}});
    ln2(x223);
    CHECK(ln2.gamma().shape() == kx::Shape{2, 3});
    ln2.set_weights({Tensor({2, 3}, {1.0f, 0.5f, -1.0f, 2.0f, 1.5f, 0.25f}), Tensor({2, 3}, {0.0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f})});
    check_values(ln2(x223), {2, 2, 3},
                 {0.089052f, -0.612414f, -1.224828f, 2.259138f, 0.266422f, 0.255108f, -0.579771f, 0.324002f,
                  -0.406124f, 3.251562f, -2.12991f, 0.434117f},
                 1e-4);
}

TEST_CASE("GroupNormalization matches torch group_norm", "[normalization]") {
    // x (2, 2, 4), 2 groups of 2 channels: F.group_norm(x.permute(0, 2, 1), 2, g, b, eps=1e-3).permute(0, 2, 1)
    const Tensor x({2, 2, 4}, {0.5f, -1.2f, 2.0f, 1.5f, 0.3f, -0.7f, -0.4f, 0.9f,
                               1.1f, 2.2f, -1.8f, 0.0f, 0.6f, -0.2f, 1.4f, -2.5f});
    GroupNormalization gn(2);
    gn.ensure_built(kx::Shape{kx::None, 2, 4});
    gn.set_weights({Tensor({4}, {1.5f, -0.5f, 2.0f, 1.0f}), Tensor({4}, {0.1f, 0.2f, -0.3f, 0.0f})});
    check_values(gn(x), {2, 2, 4},
                 {1.755864f, 0.858784f, 1.92773f, 0.556932f, 1.328544f, 0.502685f, -3.418821f, -0.111386f,
                  0.40153f, -0.532287f, -1.706138f, 0.474163f, -0.459984f, 0.846136f, 2.479574f, -1.160881f},
                 1e-4);
    // Training and inference compute the same thing: no batch statistics involved.
    CHECK(gn(x, true).to_vector() == gn(x, false).to_vector());
}

TEST_CASE("UnitNormalization scales each slice to unit L2 norm and leaves zero slices at zero", "[normalization]") {
    UnitNormalization un;
    check_values(un(Tensor({2, 2}, {3, 4, 0, 0})), {2, 2}, {0.6f, 0.8f, 0.0f, 0.0f}, 1e-6);
    // Over axes 1 and 2 of (1, 2, 2): the norm of {1, 2, 2, 4} is 5.
    UnitNormalization both({1, 2});
    check_values(both(Tensor({1, 2, 2}, {1, 2, 2, 4})), {1, 2, 2}, {0.2f, 0.4f, 0.4f, 0.8f}, 1e-6);
}

TEST_CASE("Normalization configs use Keras' keys and defaults", "[normalization]") {
    const nlohmann::json bn = BatchNormalization().get_config();
    CHECK(bn["axis"] == -1);
    CHECK(bn["momentum"] == 0.99);
    CHECK(bn["epsilon"] == 0.001);
    CHECK(bn["center"] == true);
    CHECK(bn["scale"] == true);
    CHECK(bn["gamma_initializer"]["class_name"] == "Ones");
    CHECK(bn["moving_variance_initializer"]["class_name"] == "Ones");
    CHECK(bn["beta_regularizer"].is_null());
    CHECK(bn["gamma_constraint"].is_null());
    CHECK(bn["synchronized"] == false);
    CHECK(LayerNormalization().get_config()["axis"] == -1);
    CHECK(LayerNormalization({.axis = {1, 2}}).get_config()["axis"] == nlohmann::json({1, 2}));
    CHECK(LayerNormalization({.axis = {-1}}).get_config()["axis"] == nlohmann::json({-1}));
    const nlohmann::json gn = GroupNormalization().get_config();
    CHECK(gn["groups"] == 32);
    CHECK(gn["epsilon"] == 0.001);
    CHECK(UnitNormalization({1, 2}).get_config()["axis"] == nlohmann::json({1, 2}));
    // A Keras config, with the keys Keras writes, restores the layer.
    const nlohmann::json keras = {{"class_name", "LayerNormalization"},
                                  {"config", {{"name", "ln"}, {"trainable", true}, {"axis", nlohmann::json::array({-1})},
                                              {"epsilon", 1e-6}, {"center", true}, {"scale", false},
                                              {"rms_scaling", false}}}};
    const kx::LayerHandle restored = kx::layers::deserialize(keras);
    CHECK(restored->name() == "ln");
    CHECK(restored->get_config()["epsilon"] == 1e-6);
    CHECK(restored->get_config()["scale"] == false);
}

TEST_CASE("Normalization layers carry gamma and beta regularizers and constraints", "[normalization]") {
    BatchNormalization bn({.gamma_regularizer = kx::regularizers::L2(0.1), .beta_constraint = "non_neg"});
    bn(x223);
    const kx::Tensors losses = bn.losses();
    REQUIRE(losses.size() == 1);
    CHECK(losses[0].item() == Approx(0.3));   // 0.1 * sum(gamma^2), gamma = (1, 1, 1)
    CHECK(bn.beta().constraint() != nullptr);
    CHECK(bn.get_config()["gamma_regularizer"]["class_name"] == "L2");
    CHECK(bn.get_config()["beta_constraint"]["class_name"] == "NonNeg");
    // The config round trip keeps them.
    const kx::LayerHandle copy = kx::layers::deserialize({{"class_name", "BatchNormalization"}, {"config", bn.get_config()}});
    CHECK(copy->get_config() == bn.get_config());

    LayerNormalization ln({.beta_regularizer = "l1", .gamma_constraint = "unit_norm"});
    ln(x223);
    CHECK(ln.losses().size() == 1);
    CHECK(ln.gamma().constraint() != nullptr);
}

TEST_CASE("Normalization layers reject bad axes and group counts with the layer's name", "[normalization]") {
    kx::backend::clear_session();
    BatchNormalization bn({.axis = 3});
    REQUIRE_THROWS_WITH(bn(x223), Contains("BatchNormalization 'batch_normalization'") &&
                                      Contains("axis 3 is out of range") && Contains("(None, 2, 3)"));
    BatchNormalization on_batch({.axis = 0});
    REQUIRE_THROWS_WITH(on_batch.compute_output_shape({kx::None, 3}),
                        Contains("axis 0") && Contains("(None, 3)") && Contains("defined dimension"));

    GroupNormalization gn(4);
    REQUIRE_THROWS_WITH(gn(Tensor({2, 6})), Contains("GroupNormalization 'group_normalization'") &&
                                                Contains("number of channels (6) must be divisible by groups (4)"));
    GroupNormalization too_many(8);
    REQUIRE_THROWS_WITH(too_many(Tensor({2, 4})), Contains("number of groups (8) cannot be more than the number of "
                                                           "channels (4)"));
    REQUIRE_THROWS_WITH(GroupNormalization(0), Contains("GroupNormalization") && Contains("received groups=0"));
    GroupNormalization rank1(1);
    REQUIRE_THROWS_WITH(rank1.compute_output_shape({kx::None}), Contains("rank >= 2") && Contains("(None,)"));

    LayerNormalization twice({.axis = {2, -1}});
    REQUIRE_THROWS_WITH(twice(x223), Contains("LayerNormalization") && Contains("duplicate axis") &&
                                         Contains("[2,-1]"));
    REQUIRE_THROWS_WITH(LayerNormalization({.axis = std::vector<int>{}}), Contains("non-empty list"));
    REQUIRE_THROWS_WITH(kx::layers::deserialize({{"class_name", "LayerNormalization"},
                                                 {"config", {{"rms_scaling", true}}}}),
                        Contains("rms_scaling=true is not supported"));

    UnitNormalization un(4);
    REQUIRE_THROWS_WITH(un(x223), Contains("UnitNormalization") && Contains("axis 4 is out of range"));
}
