// Multi-input and multi-output models: data by position or by name, per-output losses, loss
// weights and metrics, and Keras' log names.
#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

using Catch::Matchers::Contains;

namespace {
struct TwoHeads {
    kx::Model model;
    kx::Tensor x, labels, scores;
};

// One input, a shared trunk, a 3-class head "class" and a regression head "score".
TwoHeads two_heads() {
    kx::utils::set_random_seed(21);
    const kx::SymbolicTensor in = kx::Input({4}, "features");
    const kx::SymbolicTensor trunk = kx::layers::Dense(8, "tanh", "trunk")(in);
    kx::Model model(in, {kx::layers::Dense(3, "softmax", "class")(trunk), kx::layers::Dense(1, "linear", "score")(trunk)});
    kx::Tensor x = kx::Tensor::empty({30, 4});
    kx::Tensor labels = kx::Tensor::empty({30});
    kx::Tensor scores = kx::Tensor::empty({30, 1});
    for (std::size_t i = 0; i < 30; ++i) {
        for (std::size_t j = 0; j < 4; ++j) x.data()[i * 4 + j] = static_cast<float>((i * 5 + j * 7) % 13) / 13.0f - 0.5f;
        labels.data()[i] = static_cast<float>(i % 3);
        scores.data()[i] = x.data()[i * 4] - x.data()[i * 4 + 1];
    }
    return {std::move(model), x, labels, scores};
}
}  // namespace

TEST_CASE("The total loss of a multi-output model is the weighted sum of its outputs' losses", "[multi-output]") {
    TwoHeads t = two_heads();
    t.model.compile({.optimizer = "sgd",
                     .loss = {{"class", "sparse_categorical_crossentropy"}, {"score", "mse"}},
                     .metrics = {{"class", {"accuracy"}}, {"score", {"mae"}}},
                     .loss_weights = {{"class", 1.0}, {"score", 0.2}}});
    const kx::Logs logs = t.model.evaluate(t.x, {{"class", t.labels}, {"score", t.scores}}, {.batch_size = 30, .verbose = 0});
    CHECK(logs.at("loss") == Approx(logs.at("class_loss") + 0.2 * logs.at("score_loss")).epsilon(1e-6));

    // Each output's loss, recomputed from the predictions.
    const kx::Tensors predicted = t.model.predict_outputs(t.x);
    REQUIRE(predicted.size() == 2);
    CHECK(predicted[0].shape() == kx::Shape{30, 3});
    CHECK(predicted[1].shape() == kx::Shape{30, 1});
    const double class_loss = kx::losses::SparseCategoricalCrossentropy()(t.labels, predicted[0]).item();
    const double score_loss = kx::losses::MeanSquaredError()(t.scores, predicted[1]).item();
    CHECK(logs.at("class_loss") == Approx(class_loss).epsilon(1e-5));
    CHECK(logs.at("score_loss") == Approx(score_loss).epsilon(1e-5));
    CHECK(logs.at("score_mae") >= 0.0);
    CHECK(logs.contains("class_accuracy"));
    CHECK(logs.size() == 5);
}

TEST_CASE("Multi-output fit names its logs like Keras, validation included", "[multi-output]") {
    TwoHeads t = two_heads();
    t.model.compile({.optimizer = kx::optimizers::Adam(0.01),
                     .loss = {"sparse_categorical_crossentropy", "mse"},
                     .metrics = std::vector<std::vector<kx::MetricSpec>>{{"accuracy"}, {"mae"}}});
    const kx::History h = t.model.fit(t.x, {t.labels, t.scores},
                                      {.epochs = 30, .batch_size = 10, .verbose = 0, .validation_split = 0.2f});
    for (const char* key : {"loss", "class_loss", "score_loss", "class_accuracy", "score_mae", "val_loss", "val_class_loss",
                            "val_score_loss", "val_class_accuracy", "val_score_mae"})
        CHECK(h.history.count(key) == 1);
    CHECK(h.history.size() == 10);
    CHECK(h.history.at("score_loss").back() < h.history.at("score_loss").front());
    CHECK(h.history.at("class_loss").back() < h.history.at("class_loss").front());
}

TEST_CASE("One loss for every output applies to each; an output without a loss is not trained", "[multi-output]") {
    TwoHeads t = two_heads();
    t.model.compile({.optimizer = "sgd", .loss = "mse"});
    const kx::Logs both = t.model.evaluate(t.x, {kx::Tensor::zeros({30, 3}), t.scores}, {.verbose = 0});
    CHECK(both.at("loss") == Approx(both.at("class_loss") + both.at("score_loss")).epsilon(1e-6));

    t.model.compile({.optimizer = "sgd", .loss = {{"score", "mse"}}});
    const std::vector<kx::Tensor> head = t.model.get_layer("class")->get_weights();
    const kx::Logs only = t.model.train_on_batch(t.x, {{"class", t.labels}, {"score", t.scores}});
    CHECK(only.contains("score_loss"));
    CHECK_FALSE(only.contains("class_loss"));
    CHECK(t.model.get_layer("class")->get_weights()[0].to_vector() == head[0].to_vector());
}

TEST_CASE("Multi-input models take their arrays by position or by input name", "[multi-output]") {
    kx::utils::set_random_seed(8);
    const kx::SymbolicTensor a = kx::Input({2}, "left");
    const kx::SymbolicTensor b = kx::Input({3}, "right");
    kx::LayerHandle merge = kx::layers::Lambda([](const kx::Tensors& xs) { return kx::ops::concat(xs, 1); });
    kx::Model model({a, b}, {kx::layers::Dense(1, "linear", "out")(merge({a, b}))});
    const kx::Tensor xa({2, 2}, {1, 2, 3, 4}), xb({2, 3}, {1, 0, 1, 0, 1, 0});
    const kx::Tensor by_position = model.predict({xa, xb});
    const kx::Tensor by_name = model.predict({{"right", xb}, {"left", xa}});
    CHECK(by_position.to_vector() == by_name.to_vector());
    model.compile({.optimizer = "sgd", .loss = "mse"});
    CHECK(std::isfinite(model.fit({{"left", xa}, {"right", xb}}, kx::Tensor({2, 1}, {1, 2}), {.verbose = 0})
                            .history.at("loss")[0]));
}

TEST_CASE("Mismatched per-output arguments and data are clear errors", "[multi-output]") {
    TwoHeads t = two_heads();
    REQUIRE_THROWS_WITH(t.model.compile({.optimizer = "sgd", .loss = {{"klass", "mse"}}}),
                        Contains("compile() got losses for 'klass', which is not an output; the outputs are ['class', 'score']"));
    REQUIRE_THROWS_WITH(t.model.compile({.optimizer = "sgd", .loss = {"mse", "mse", "mse"}}),
                        Contains("compile() got 3 losses for 2 outputs ['class', 'score']"));
    REQUIRE_THROWS_WITH(t.model.compile({.optimizer = "sgd", .loss = "mse", .metrics = {kx::metrics::MeanAbsoluteError()}}),
                        Contains("would mix their results"));
    t.model.compile({.optimizer = "sgd", .loss = "mse"});
    REQUIRE_THROWS_WITH(t.model.fit(t.x, t.labels, {.verbose = 0}),
                        Contains("expected 2 targets ['class', 'score'], got 1"));
    REQUIRE_THROWS_WITH(t.model.fit(t.x, {{"class", t.labels}}, {.verbose = 0}),
                        Contains("missing targets for 'score'"));
    REQUIRE_THROWS_WITH(t.model.fit({{"pixels", t.x}}, {t.labels, t.scores}, {.verbose = 0}),
                        Contains("got inputs for 'pixels', which is not one of the model's inputs ['features']"));
    REQUIRE_THROWS_WITH(t.model.fit(t.x, {t.labels, kx::Tensor::zeros({29, 1})}, {.verbose = 0}),
                        Contains("every x and y must have the same number of samples") && Contains("y[1] with shape (29, 1)"));
    REQUIRE_THROWS_WITH(t.model.predict(t.x), Contains("the model has 2 outputs; use predict_outputs()"));
}

TEST_CASE("Regularization losses join the training loss", "[multi-output]") {
    kx::utils::set_random_seed(1);
    const kx::SymbolicTensor in = kx::Input({2});
    kx::LayerHandle dense = kx::layers::Dense(1, "linear", "d");
    kx::Model model(in, dense(in));
    dense->set_weights({kx::Tensor({2, 1}, {1, 2}), kx::Tensor({1}, {0})});
    class Penalty : public kx::Layer {
    public:
        kx::Tensor call(const kx::Tensor& x, bool) override {
            add_loss(kx::Tensor::scalar(0.5f));
            return x;
        }
    };
    const kx::SymbolicTensor in2 = kx::Input({2});
    kx::LayerHandle penalty = Penalty();
    kx::Model with_penalty(in2, dense(penalty(in2)));
    with_penalty.compile({.optimizer = "sgd", .loss = "mse"});
    model.compile({.optimizer = "sgd", .loss = "mse"});
    const kx::Tensor x({1, 2}, {1, 1}), y({1, 1}, {0});
    const double plain = model.evaluate(x, y, {.verbose = 0}).at("loss");
    CHECK(plain == Approx(9.0));   // (1 + 2)^2
    CHECK(with_penalty.evaluate(x, y, {.verbose = 0}).at("loss") == Approx(9.5));
    // The losses are those of the last call: a second evaluate does not accumulate them.
    CHECK(with_penalty.evaluate(x, y, {.verbose = 0}).at("loss") == Approx(9.5));
}
