#include "layer_test.hpp"

#include <limits>
#include <random>

using Catch::Matchers::Contains;
using kx::layers::Embedding;

namespace {
// rows r = (10 r, 10 r + 1, 10 r + 2): each output says which row it came from.
const kx::Tensor table5x3({5, 3}, {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42});

Embedding with_table(Embedding layer, const kx::Tensor& ids) {
    layer.ensure_built(ids.shape());
    layer.set_weights({table5x3});
    return layer;
}
}  // namespace

TEST_CASE("Embedding passes the layer harness", "[layers][embedding-preprocessing]") {
    // The harness feeds values in [-0.95, 1.05], which truncate to ids 0 and 1. Its input gradient
    // check is off: ids are not differentiable (the embeddings' gradient is checked below).
    run_layer_test({.make = [] { return kx::LayerHandle(Embedding(5, 3)); },
                    .input_shape = {2, 4},
                    .expected_output_shape = {2, 4, 3},
                    .expected_weights = 1,
                    .expected_params = 15,
                    .check_gradients = false});
    run_layer_test({.make = [] { return kx::LayerHandle(Embedding(2, 4, {.mask_zero = true})); },
                    .input_shape = {3},
                    .expected_output_shape = {3, 4},
                    .expected_weights = 1,
                    .expected_params = 8,
                    .check_gradients = false});
    run_layer_test({.make = [] {
                        return kx::LayerHandle(Embedding(7, 2, {.embeddings_initializer = "glorot_uniform",
                                                                 .embeddings_regularizer = "l2",
                                                                 .embeddings_constraint = "non_neg",
                                                                 .activity_regularizer = "l1"}));
                    },
                    .input_shape = {2, 3, 2},
                    .expected_output_shape = {2, 3, 2, 2},
                    .expected_weights = 1,
                    .expected_params = 14,
                    .check_gradients = false});
}

TEST_CASE("Embedding looks up one row per id, truncating float ids like Keras' cast", "[layers][embedding-preprocessing]") {
    const kx::Tensor ids({2, 3}, {4, 0, 2, 2, 1, 4});
    Embedding layer = with_table(Embedding(5, 3), ids);
    const kx::Tensor y = layer(ids);
    CHECK(y.shape() == kx::Shape{2, 3, 3});
    CHECK(y.to_vector() == std::vector<float>{40, 41, 42, 0, 1, 2, 20, 21, 22, 20, 21, 22, 10, 11, 12, 40, 41, 42});
    // 2.7 -> 2, 0.9 -> 0, -0.5 -> 0 (toward zero), 4.99 -> 4.
    CHECK(layer(kx::Tensor({2, 3}, {2.7f, 0.9f, -0.5f, 4.99f, 1, 3})).to_vector() ==
          std::vector<float>{20, 21, 22, 0, 1, 2, 0, 1, 2, 40, 41, 42, 10, 11, 12, 30, 31, 32});
}

TEST_CASE("Embedding's gradient accumulates into the rows of repeated ids", "[layers][embedding-preprocessing]") {
    const kx::Tensor ids({2, 2}, {3, 1, 3, 3});
    Embedding layer = with_table(Embedding(5, 3), ids);
    const kx::Tensor w({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    const auto grads = kx::GradientTape().gradient(kx::ops::sum(layer(ids) * w), {layer.embeddings()});
    // Row 1: w[0, 1]; row 3: w[0, 0] + w[1, 0] + w[1, 1]; rows 0, 2, 4 untouched.
    CHECK(grads[0].to_vector() == std::vector<float>{0, 0, 0, 4, 5, 6, 0, 0, 0, 1 + 7 + 10, 2 + 8 + 11, 3 + 9 + 12, 0, 0, 0});

    // Finite differences on the embeddings: ids sit halfway between integers, so the +-epsilon
    // nudges of the input keep the same rows (its gradient is 0 both ways).
    const kx::Tensor between({2, 3}, {3.5f, 1.5f, 3.5f, 0.5f, 4.5f, 3.5f});
    Embedding checked(5, 3);
    const auto result = kx::testing::check_gradients(checked, between);
    INFO(result.report);
    CHECK(result.ok);
}

TEST_CASE("Embedding initializes its table uniformly in [-0.05, 0.05) by default", "[layers][embedding-preprocessing]") {
    kx::utils::set_random_seed(7);
    Embedding layer(100, 16);
    layer.ensure_built({kx::None, 4});
    const std::vector<float> values = layer.embeddings().to_vector();
    CHECK(*std::min_element(values.begin(), values.end()) >= -0.05f);
    CHECK(*std::max_element(values.begin(), values.end()) < 0.05f);
    // The mean of 1600 uniform draws on [-0.05, 0.05) has standard deviation 0.05 / sqrt(3 * 1600) = 7e-4.
    double mean = 0;
    for (float v : values) mean += v;
    CHECK(std::abs(mean / 1600) < 4e-3);
    CHECK(layer.get_config()["embeddings_initializer"]["class_name"] == "RandomUniform");
    CHECK(layer.get_config()["embeddings_initializer"]["config"]["minval"] == Approx(-0.05));
}

TEST_CASE("Embedding's mask is 1 where the id is not 0, with mask_zero only", "[layers][embedding-preprocessing]") {
    const kx::Tensor ids({2, 3}, {5, 0, 2, 0, 0, 1.5f});
    CHECK(Embedding(6, 2, {.mask_zero = true}).compute_mask(ids).shape() == kx::Shape{2, 3});
    CHECK(Embedding(6, 2, {.mask_zero = true}).compute_mask(ids).to_vector() == std::vector<float>{1, 0, 1, 0, 0, 1});
    CHECK_FALSE(Embedding(6, 2).compute_mask(ids).defined());
    // Padding still looks up row 0 (Keras: the mask, not the table, hides it).
    const kx::Tensor padded({1, 2}, {0, 4});
    Embedding layer = with_table(Embedding(5, 3, {.mask_zero = true}), padded);
    CHECK(layer(padded).to_vector() == std::vector<float>{0, 1, 2, 40, 41, 42});
}

TEST_CASE("Embedding computes output shapes of any rank, unknown lengths included", "[layers][embedding-preprocessing]") {
    Embedding layer(10, 8);
    CHECK(layer.compute_output_shape({kx::None, kx::None}) == kx::Shape{kx::None, kx::None, 8});
    CHECK(layer.compute_output_shape({kx::None}) == kx::Shape{kx::None, 8});
    CHECK(layer.compute_output_shape({kx::None, 2, 3}) == kx::Shape{kx::None, 2, 3, 8});
}

TEST_CASE("Embedding adds its regularizers' penalties to losses()", "[layers][embedding-preprocessing]") {
    const kx::Tensor ids({1, 2}, {1, 1});
    Embedding layer = with_table(Embedding(5, 3, {.embeddings_regularizer = kx::regularizers::L2(0.5),
                                                  .activity_regularizer = kx::regularizers::L1(0.25)}),
                                 ids);
    layer(ids);
    const kx::Tensors losses = layer.losses();
    REQUIRE(losses.size() == 2);
    // L2: 0.5 * sum(table^2); L1 on the output (rows 1, 1) over a batch of 1: 0.25 * 2 * (10 + 11 + 12).
    double squares = 0;
    for (float v : table5x3.to_vector()) squares += double(v) * v;
    double total = 0;
    for (const kx::Tensor& l : losses) total += l.item();
    CHECK(total == Approx(0.5 * squares + 0.25 * 66).epsilon(1e-5));
}

TEST_CASE("Embedding writes Keras config keys and reads Keras configs", "[layers][embedding-preprocessing]") {
    const nlohmann::json config = Embedding(1000, 64, {.embeddings_regularizer = kx::regularizers::L2(1e-4),
                                                       .mask_zero = true, .name = "tokens"})
                                      .get_config();
    CHECK(config["name"] == "tokens");
    CHECK(config["input_dim"] == 1000);
    CHECK(config["output_dim"] == 64);
    CHECK(config["mask_zero"] == true);
    CHECK(config["embeddings_regularizer"]["class_name"] == "L2");
    CHECK(config["embeddings_constraint"].is_null());
    CHECK(config["activity_regularizer"].is_null());

    // As Keras 3 writes it.
    const kx::LayerHandle layer = kx::layers::deserialize(nlohmann::json::parse(R"({"class_name": "Embedding",
        "config": {"name": "embedding", "trainable": true, "dtype": "float32", "input_dim": 50, "output_dim": 8,
                   "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform",
                                              "config": {"minval": -0.05, "maxval": 0.05, "seed": null}},
                   "embeddings_regularizer": null, "activity_regularizer": null,
                   "embeddings_constraint": {"class_name": "NonNeg", "config": {}},
                   "mask_zero": false, "quantization_config": null}})"));
    const auto& embedding = dynamic_cast<const Embedding&>(*layer);
    CHECK(embedding.input_dim() == 50);
    CHECK(embedding.output_dim() == 8);
    CHECK(embedding.options().embeddings_constraint->class_name() == "NonNeg");
    CHECK(layer->compute_output_shape({kx::None, 12}) == kx::Shape{kx::None, 12, 8});
}

TEST_CASE("Embedding rejects ids out of range, naming the layer, the id and where", "[layers][embedding-preprocessing]") {
    Embedding layer(10, 4, {.name = "tokens"});
    layer(kx::Tensor({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    REQUIRE_THROWS_WITH(layer(kx::Tensor({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 12, 9})),
                        Contains("Embedding 'tokens'") && Contains("expected ids in [0, 10)") && Contains("got 12") &&
                            Contains("at index (1, 3)") && Contains("input of shape (2, 5)"));
    REQUIRE_THROWS_WITH(layer(kx::Tensor({1, 5}, {0, -1, 2, 3, 4})), Contains("got -1 at index (0, 1)"));
    REQUIRE_THROWS_WITH(layer(kx::Tensor({1, 5}, {0, 1, 10.5f, 3, 4})), Contains("got 10.5 at index (0, 2)"));
    REQUIRE_THROWS_WITH(layer(kx::Tensor({1, 5}, {0, 1, 2, std::numeric_limits<float>::quiet_NaN(), 4})),
                        Contains("got nan at index (0, 3)"));
}

TEST_CASE("Embedding rejects empty dimensions and mask_zero without room for padding", "[layers][embedding-preprocessing]") {
    REQUIRE_THROWS_WITH(Embedding(0, 4), Contains("Embedding") && Contains("positive input_dim") && Contains("input_dim=0"));
    REQUIRE_THROWS_WITH(Embedding(4, 0), Contains("positive output_dim") && Contains("output_dim=0"));
    REQUIRE_THROWS_WITH(Embedding(1, 4, {.mask_zero = true}),
                        Contains("mask_zero=true reserves id 0") && Contains("vocabulary size + 1") &&
                            Contains("input_dim=1"));
    REQUIRE_NOTHROW(Embedding(2, 4, {.mask_zero = true}));
}

namespace {
// What GlobalAveragePooling1D does: the mean over the sequence axis, (batch, length, dim) -> (batch, dim).
class MeanOverSequence : public kx::Layer {
public:
    kx::Tensor call(const kx::Tensor& x, bool) override { return kx::ops::mean(x, {1}); }
    kx::Shape compute_output_shape(const kx::Shape& s) override { return {s[0], s[2]}; }
};
}  // namespace

TEST_CASE("Embedding learns a bag-of-words task in fit", "[layers][embedding-preprocessing]") {
    // Sequences of 5 ids in [1, 8]: label 1 when ids 1-4 outnumber ids 5-8. The mean embedding
    // followed by a logistic unit separates them once ids 1-4 and 5-8 get opposite directions.
    kx::utils::set_random_seed(3);
    std::mt19937 engine(11);
    std::uniform_int_distribution<int> id(1, 8);
    const std::size_t n = 512, length = 5;
    kx::Tensor x = kx::Tensor::empty({n, length});
    kx::Tensor y = kx::Tensor::empty({n, 1});
    for (std::size_t i = 0; i < n; ++i) {
        int positive = 0;
        for (std::size_t t = 0; t < length; ++t) {
            const int v = id(engine);
            x.data()[i * length + t] = static_cast<float>(v);
            positive += v <= 4;
        }
        y.data()[i] = positive * 2 > static_cast<int>(length) ? 1.0f : 0.0f;
    }
    kx::Sequential model({kx::layers::Input({length}), Embedding(9, 4), std::make_shared<MeanOverSequence>(),
                          kx::layers::Dense(1, "sigmoid")});
    model.compile({.optimizer = kx::optimizers::Adam(0.05), .loss = "binary_crossentropy", .metrics = {"accuracy"}});
    const kx::Logs before = model.evaluate(x, y, {.verbose = 0});
    model.fit(x, y, {.epochs = 20, .batch_size = 32, .verbose = 0});
    const kx::Logs after = model.evaluate(x, y, {.verbose = 0});
    CHECK(before.at("accuracy") < 0.8);
    CHECK(after.at("accuracy") >= 0.97);
    CHECK(after.at("loss") < before.at("loss") / 3);
}
