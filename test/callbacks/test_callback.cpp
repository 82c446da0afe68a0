#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

using Catch::Matchers::Contains;

namespace {
class Recorder : public kx::Callback {
public:
    std::vector<std::string> events;
    void on_train_begin(kx::Logs&) override { events.push_back("train_begin"); }
    void on_train_end(kx::Logs&) override { events.push_back("train_end"); }
    void on_epoch_begin(int e, kx::Logs&) override { events.push_back("epoch_begin " + std::to_string(e)); }
    void on_epoch_end(int e, kx::Logs& logs) override {
        events.push_back("epoch_end " + std::to_string(e) + (logs.contains("val_loss") ? " val" : ""));
    }
    void on_train_batch_begin(int b, kx::Logs&) override { events.push_back("batch_begin " + std::to_string(b)); }
    void on_train_batch_end(int b, kx::Logs&) override { events.push_back("batch_end " + std::to_string(b)); }
    void on_test_begin(kx::Logs&) override { events.push_back("test_begin"); }
    void on_test_end(kx::Logs&) override { events.push_back("test_end"); }
    void on_test_batch_begin(int b, kx::Logs&) override { events.push_back("test_batch_begin " + std::to_string(b)); }
    void on_test_batch_end(int b, kx::Logs&) override { events.push_back("test_batch_end " + std::to_string(b)); }
    void on_predict_begin(kx::Logs&) override { events.push_back("predict_begin"); }
    void on_predict_end(kx::Logs&) override { events.push_back("predict_end"); }
    void on_predict_batch_begin(int b, kx::Logs&) override { events.push_back("predict_batch_begin " + std::to_string(b)); }
    void on_predict_batch_end(int b, kx::Logs&) override { events.push_back("predict_batch_end " + std::to_string(b)); }
};

class StopAfter : public kx::Callback {
public:
    explicit StopAfter(int batches) : batches_(batches) {}
    void on_train_batch_end(int, kx::Logs&) override {
        if (++seen >= batches_) model().stop_training = true;
    }
    int seen = 0;

private:
    int batches_;
};

class HalveLearningRate : public kx::Callback {
public:
    void on_epoch_begin(int epoch, kx::Logs&) override {
        if (epoch > 0) model().optimizer().set_learning_rate(model().optimizer().learning_rate() / 2);
    }
};

kx::Sequential small_model() {
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    return model;
}
}  // namespace

TEST_CASE("fit calls every hook in Keras' order", "[callbacks]") {
    const Blobs data = make_blobs(8), val = make_blobs(3);
    kx::Sequential model = small_model();
    auto recorder = std::make_shared<Recorder>();
    model.fit(data.x, data.y, {.epochs = 2, .batch_size = 4, .verbose = 0, .validation_data = {val.x, val.y}, .callbacks = {recorder}});
    auto epoch = [](const std::string& e) {
        return std::vector<std::string>{"epoch_begin " + e, "batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1",
                                        "test_begin", "test_batch_begin 0", "test_batch_end 0", "test_end", "epoch_end " + e + " val"};
    };
    std::vector<std::string> expected{"train_begin"};
    for (const char* e : {"0", "1"}) {
        const auto events = epoch(e);
        expected.insert(expected.end(), events.begin(), events.end());
    }
    expected.push_back("train_end");
    CHECK(recorder->events == expected);
}

TEST_CASE("evaluate and predict call the test and predict hooks", "[callbacks]") {
    const Blobs data = make_blobs(5);
    kx::Sequential model = small_model();
    auto recorder = std::make_shared<Recorder>();
    model.evaluate(data.x, data.y, {.batch_size = 4, .verbose = 0, .callbacks = {recorder}});
    model.predict(data.x, {.batch_size = 4, .callbacks = {recorder}});
    CHECK(recorder->events == std::vector<std::string>{"test_begin", "test_batch_begin 0", "test_batch_end 0", "test_batch_begin 1",
                                                       "test_batch_end 1", "test_end", "predict_begin", "predict_batch_begin 0",
                                                       "predict_batch_end 0", "predict_batch_begin 1", "predict_batch_end 1",
                                                       "predict_end"});
}

TEST_CASE("A callback stops training after the current batch", "[callbacks]") {
    const Blobs data = make_blobs(40);
    kx::Sequential model = small_model();
    auto stop = std::make_shared<StopAfter>(3);
    const kx::History h = model.fit(data.x, data.y, {.epochs = 5, .batch_size = 10, .verbose = 0, .callbacks = {stop}});
    CHECK(stop->seen == 3);
    CHECK(model.optimizer().iterations() == 3);
    CHECK(h.epoch == std::vector<int>{0});
}

TEST_CASE("A callback changes the learning rate during fit", "[callbacks]") {
    const Blobs data = make_blobs(10);
    kx::Sequential model = small_model();
    model.fit(data.x, data.y, {.epochs = 3, .verbose = 0, .callbacks = {HalveLearningRate()}});
    CHECK(model.optimizer().learning_rate() == Approx(0.01 / 4));
}

TEST_CASE("A callback that throws aborts fit with its message", "[callbacks]") {
    struct Thrower : kx::Callback {
        void on_epoch_end(int, kx::Logs&) override { throw kx::Error("disk full"); }
    };
    const Blobs data = make_blobs(10);
    kx::Sequential model = small_model();
    REQUIRE_THROWS_WITH(model.fit(data.x, data.y, {.epochs = 3, .verbose = 0, .callbacks = {Thrower()}}), "disk full");
}

TEST_CASE("Logs keep insertion order and name the missing key", "[callbacks][logs]") {
    kx::Logs logs{{"loss", 0.5}, {"accuracy", 0.9}};
    logs["val_loss"] = 0.7;
    logs["loss"] = 0.4;
    std::vector<std::string> keys;
    for (const auto& [k, v] : logs) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"loss", "accuracy", "val_loss"});
    CHECK(logs.at("loss") == 0.4);
    REQUIRE_THROWS_WITH(logs.at("mae"), Contains("'mae'") && Contains("loss, accuracy, val_loss"));
    kx::Callback detached;
    REQUIRE_THROWS_WITH(detached.model(), Contains("not attached"));
}
