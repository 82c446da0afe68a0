#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <string>
#include <vector>

TEST_CASE("LambdaCallback calls each function once per event of a real fit", "[callbacks-monitor]") {
    kx::utils::set_random_seed(0);
    const Blobs data = make_blobs(30);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});

    std::vector<std::string> events;
    std::vector<int> epochs_begun, epochs_ended, batches_begun, batches_ended;
    int train_begin = 0, train_end = 0;
    double last_loss = 0.0;
    kx::callbacks::LambdaCallback lambda({
        .on_epoch_begin = [&](int epoch, kx::Logs&) { epochs_begun.push_back(epoch); },
        .on_epoch_end = [&](int epoch, kx::Logs& logs) { epochs_ended.push_back(epoch); last_loss = logs.at("loss"); },
        .on_train_begin = [&](kx::Logs&) { ++train_begin; },
        .on_train_end = [&](kx::Logs&) { ++train_end; },
        .on_train_batch_begin = [&](int batch, kx::Logs&) { batches_begun.push_back(batch); },
        .on_train_batch_end = [&](int batch, kx::Logs& logs) { batches_ended.push_back(batch); CHECK(logs.contains("loss")); },
    });
    // 30 samples in batches of 10: 3 batches per epoch.
    const kx::History h = model.fit(data.x, data.y, {.epochs = 2, .batch_size = 10, .verbose = 0, .callbacks = {lambda}});

    CHECK(train_begin == 1);
    CHECK(train_end == 1);
    CHECK(epochs_begun == std::vector<int>{0, 1});
    CHECK(epochs_ended == std::vector<int>{0, 1});
    CHECK(batches_begun == std::vector<int>{0, 1, 2, 0, 1, 2});
    CHECK(batches_ended == std::vector<int>{0, 1, 2, 0, 1, 2});
    CHECK(last_loss == Approx(h.history.at("loss").back()).epsilon(1e-12));
}

TEST_CASE("LambdaCallback with only on_epoch_end set can stop training", "[callbacks-monitor]") {
    kx::utils::set_random_seed(0);
    const Blobs data = make_blobs(30);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    int calls = 0;
    kx::callbacks::LambdaCallback stop_after_two({.on_epoch_end = [&](int epoch, kx::Logs&) {
        ++calls;
        if (epoch == 1) model.stop_training = true;
    }});
    const kx::History h = model.fit(data.x, data.y, {.epochs = 5, .batch_size = 10, .verbose = 0, .callbacks = {stop_after_two}});
    CHECK(calls == 2);
    CHECK(h.epoch == std::vector<int>{0, 1});
}
