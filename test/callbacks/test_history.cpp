#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

TEST_CASE("History records each epoch's logs, including validation", "[callbacks][history]") {
    const Blobs data = make_blobs(30);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}), .metrics = {"accuracy"}});
    const kx::History h = model.fit(data.x, data.y, {.epochs = 3, .verbose = 0, .validation_split = 0.2f});
    CHECK(h.epoch == std::vector<int>{0, 1, 2});
    for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) CHECK(h.history.at(key).size() == 3);
    CHECK(h.history.size() == 4);
}

TEST_CASE("History starts afresh on every fit", "[callbacks][history]") {
    kx::History history;
    kx::Logs logs{{"loss", 1.0}};
    history.on_epoch_end(0, logs);
    kx::Logs empty;
    history.on_train_begin(empty);
    CHECK(history.history.empty());
    CHECK(history.epoch.empty());
}
