#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <cmath>
#include <iostream>
#include <sstream>
#include "support/weights.hpp"

using Catch::Matchers::Contains;

namespace {
kx::Sequential classifier(const std::string& optimizer = "adam") {
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(16, "relu"), kx::layers::Dense(3)});
    model.compile({.optimizer = optimizer,
                   .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .metrics = {"accuracy"}});
    return model;
}

// Counts train batches per epoch, and records the learning rate it sees.
class BatchCounter : public kx::Callback {
public:
    void on_epoch_begin(int, kx::Logs&) override { batches.push_back(0); }
    void on_train_batch_end(int, kx::Logs&) override { ++batches.back(); }
    std::vector<int> batches;
};

}  // namespace

TEST_CASE("fit learns separable blobs and returns the History of every epoch", "[trainer]") {
    kx::utils::set_random_seed(1);
    const Blobs data = make_blobs(300);
    kx::Sequential model = classifier();
    const kx::History history = model.fit(data.x, data.y, {.epochs = 15, .batch_size = 16, .verbose = 0});
    REQUIRE(history.history.at("loss").size() == 15);
    REQUIRE(history.history.at("accuracy").size() == 15);
    CHECK(history.epoch == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
    CHECK(history.history.at("loss").back() < 0.5 * history.history.at("loss").front());
    const kx::Logs result = model.evaluate(data.x, data.y, {.verbose = 0});
    CHECK(result.at("accuracy") > 0.95);
    CHECK(std::vector<std::string>{result.begin()->first, std::next(result.begin())->first} ==
          std::vector<std::string>{"loss", "accuracy"});
}

TEST_CASE("The same seed gives bit-identical training; another seed does not", "[trainer][seed]") {
    const Blobs data = make_blobs(120);
    auto train = [&](std::uint64_t seed) {
        kx::utils::set_random_seed(seed);
        kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(8, "relu"), kx::layers::Dropout(0.3f), kx::layers::Dense(3)});
        model.compile({.optimizer = "adam", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
        model.fit(data.x, data.y, {.epochs = 3, .batch_size = 10, .verbose = 0});
        return flat_weights(model);
    };
    CHECK(train(7) == train(7));
    CHECK(train(7) != train(8));
}

TEST_CASE("evaluate reports the loss and accuracy computed by hand", "[trainer]") {
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(2, {.use_bias = false})});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}), .metrics = {"accuracy"}});
    model.set_weights({kx::Tensor({2, 2}, {1, 0, 0, 1})});   // logits = x
    const kx::Tensor x({3, 2}, {2, 0, 0, 1, 3, 1});
    const kx::Tensor y({3}, {0, 0, 0});
    const kx::Logs logs = model.evaluate(x, y, {.batch_size = 2, .verbose = 0});
    const double expected = (std::log(1 + std::exp(-2.0)) + std::log(1 + std::exp(1.0)) + std::log(1 + std::exp(-2.0))) / 3;
    CHECK(logs.at("loss") == Approx(expected).epsilon(1e-5));
    CHECK(logs.at("accuracy") == Approx(2.0 / 3.0));
}

TEST_CASE("predict returns every sample's output, in order, for any batch size", "[trainer]") {
    kx::utils::set_random_seed(2);
    kx::Sequential model = classifier();
    const Blobs data = make_blobs(10);
    const kx::Tensor all = model.predict(data.x, {.batch_size = 3});
    REQUIRE(all.shape() == kx::Shape{10, 3});
    const kx::Tensor direct = model.predict_on_batch(data.x);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all.data()[i] == Approx(direct.data()[i]).margin(1e-6));
}

TEST_CASE("validation_split holds out the last samples and logs val_ metrics", "[trainer][validation]") {
    kx::utils::set_random_seed(3);
    const Blobs data = make_blobs(100);
    kx::Sequential model = classifier();
    const kx::History h = model.fit(data.x, data.y, {.epochs = 2, .batch_size = 8, .verbose = 0, .validation_split = 0.2f});
    REQUIRE(h.history.at("val_loss").size() == 2);
    REQUIRE(h.history.at("val_accuracy").size() == 2);
    // The last 20 samples are the validation set: evaluating them reproduces the last val_loss.
    const kx::Tensor tail_x = kx::ops::slice(data.x, 0, 80, 100), tail_y = kx::ops::slice(data.y, 0, 80, 100);
    CHECK(model.evaluate(tail_x, tail_y, {.batch_size = 8, .verbose = 0}).at("loss") ==
          Approx(h.history.at("val_loss").back()).epsilon(1e-6));
}

TEST_CASE("validation_data and validation_freq choose what and when to validate", "[trainer][validation]") {
    const Blobs data = make_blobs(60), val = make_blobs(30, 9);
    kx::Sequential model = classifier();
    const kx::History h = model.fit(data.x, data.y, {.epochs = 4, .verbose = 0, .validation_data = {val.x, val.y}, .validation_freq = 2});
    CHECK(h.history.at("loss").size() == 4);
    CHECK(h.history.at("val_loss").size() == 2);
    CHECK(model.evaluate(val.x, val.y, {.verbose = 0}).at("loss") == Approx(h.history.at("val_loss").back()).epsilon(1e-6));
}

TEST_CASE("initial_epoch and steps_per_epoch shape the loop", "[trainer]") {
    const Blobs data = make_blobs(50);
    kx::Sequential model = classifier();
    auto counter = std::make_shared<BatchCounter>();
    const kx::History h = model.fit(data.x, data.y, {.epochs = 5, .batch_size = 10, .verbose = 0, .initial_epoch = 2, .callbacks = {counter}});
    CHECK(h.epoch == std::vector<int>{2, 3, 4});
    CHECK(counter->batches == std::vector<int>{5, 5, 5});
    counter->batches.clear();
    model.fit(data.x, data.y, {.epochs = 2, .batch_size = 10, .verbose = 0, .steps_per_epoch = 7, .callbacks = {counter}});
    CHECK(counter->batches == std::vector<int>{7, 7});
}

TEST_CASE("Zero sample or class weights leave plain SGD weights untouched", "[trainer][weights]") {
    const Blobs data = make_blobs(30);
    kx::Sequential model = classifier("sgd");
    const std::vector<float> before = flat_weights(model);
    model.fit(data.x, data.y, {.epochs = 1, .batch_size = 10, .verbose = 0, .sample_weight = kx::Tensor::zeros({30})});
    CHECK(flat_weights(model) == before);
    model.fit(data.x, data.y, {.epochs = 1, .batch_size = 10, .verbose = 0, .class_weight = {{0, 0.f}, {1, 0.f}, {2, 0.f}}});
    CHECK(flat_weights(model) == before);
    model.fit(data.x, data.y, {.epochs = 1, .batch_size = 10, .verbose = 0, .class_weight = {{0, 1.f}, {1, 0.f}, {2, 0.f}}});
    CHECK(flat_weights(model) != before);
    REQUIRE_THROWS_WITH(model.fit(data.x, data.y, {.verbose = 0, .class_weight = {{0, 1.f}}}),
                        Contains("no entry for class 1"));
}

TEST_CASE("train_on_batch and test_on_batch return the batch's logs", "[trainer]") {
    const Blobs data = make_blobs(30);
    kx::Sequential model = classifier("sgd");
    const kx::Logs before = model.test_on_batch(data.x, data.y);
    kx::Logs after;
    for (int i = 0; i < 20; ++i) after = model.train_on_batch(data.x, data.y);
    CHECK(after.contains("accuracy"));
    CHECK(model.test_on_batch(data.x, data.y).at("loss") < before.at("loss"));
    CHECK(model.optimizer().iterations() == 20);
}

TEST_CASE("fit, evaluate and predict reject bad input with clear messages", "[trainer][errors]") {
    const Blobs data = make_blobs(12);
    kx::Sequential uncompiled({kx::layers::Input({2}), kx::layers::Dense(3)});
    REQUIRE_THROWS_WITH(uncompiled.fit(data.x, data.y), Contains("must call compile() before fit()"));
    REQUIRE_THROWS_WITH(uncompiled.evaluate(data.x, data.y), Contains("compile() before evaluate()"));

    kx::Sequential model = classifier();
    REQUIRE_THROWS_WITH(model.fit(data.x, kx::Tensor({11})), Contains("same number of samples") && Contains("(12, 2)") && Contains("(11,)"));
    REQUIRE_THROWS_WITH(model.fit(kx::Tensor({0, 2}), kx::Tensor({0})), Contains("at least one sample"));
    REQUIRE_THROWS_WITH(model.fit(kx::Tensor({4, 3}), kx::Tensor({4}), {.verbose = 0}), Contains("(None, 2)") && Contains("(4, 3)"));
    kx::Tensor with_nan = data.x.clone();
    with_nan.data()[5] = std::nanf("");
    REQUIRE_THROWS_WITH(model.fit(with_nan, data.y), Contains("x contains NaN") && Contains("sample 2"));
    kx::Tensor with_inf = data.x.clone();
    with_inf.data()[0] = INFINITY;
    REQUIRE_THROWS_WITH(model.predict(with_inf), Contains("contains inf"));
    kx::Tensor bad_labels = data.y.clone();
    bad_labels.data()[3] = 7;
    REQUIRE_THROWS_WITH(model.fit(data.x, bad_labels, {.verbose = 0}), Contains("[0, 3)") && Contains("got 7"));
    REQUIRE_THROWS_WITH(model.fit(data.x, data.y, {.batch_size = 0}), Contains("positive batch_size"));
    REQUIRE_THROWS_WITH(model.fit(data.x, data.y, {.validation_split = 1.0f}), Contains("validation_split in [0, 1)"));
    REQUIRE_THROWS_WITH(model.fit(data.x, data.y, {.sample_weight = kx::Tensor({3})}), Contains("sample_weight of shape (12,)"));
}

TEST_CASE("compile rejects unknown names, listing the valid ones", "[trainer][errors]") {
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    REQUIRE_THROWS_WITH(model.compile({.optimizer = "adamm", .loss = "mse"}), Contains("adamm") && Contains("adam"));
    REQUIRE_THROWS_WITH(model.compile({.optimizer = "adam", .loss = "mse2"}), Contains("mse2") && Contains("mean_squared_error"));
    REQUIRE_THROWS_WITH(model.compile({.optimizer = "adam"}), Contains("needs a loss"));
}

TEST_CASE("verbose 2 prints one line per epoch", "[trainer][verbose]") {
    const Blobs data = make_blobs(40);
    kx::Sequential model = classifier();
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    model.fit(data.x, data.y, {.epochs = 2, .batch_size = 10, .verbose = 2});
    std::cout.rdbuf(old);
    const std::string out = captured.str();
    CHECK_THAT(out, Contains("Epoch 1/2\n4/4 - ") && Contains("Epoch 2/2\n4/4 - ") && Contains(" - loss: ") && Contains(" - accuracy: "));
    CHECK(out.find('\r') == std::string::npos);
}

TEST_CASE("An MLP learns Fashion-MNIST", "[trainer][fashion_mnist]") {
    kx::utils::set_random_seed(42);
    auto [train, test] = kx::datasets::fashion_mnist::load_data();
    const kx::Tensor x = kx::ops::slice(train.x, 0, 0, 12000) / 255.0f, y = kx::ops::slice(train.y, 0, 0, 12000);
    kx::Sequential model({kx::layers::Input({28, 28}), kx::layers::Flatten(), kx::layers::Dense(128, "relu"), kx::layers::Dense(10)});
    model.compile({.optimizer = kx::optimizers::Adam(1e-3),
                   .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .metrics = {"accuracy"}});
    model.fit(x, y, {.epochs = 2, .batch_size = 128, .verbose = 0});
    const kx::Logs result = model.evaluate(test.x / 255.0f, test.y, {.batch_size = 1000, .verbose = 0});
    CHECK(result.at("accuracy") > 0.80);
}
