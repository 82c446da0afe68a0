#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using kx::callbacks::EarlyStopping;

namespace {

// A real fit in which a LambdaCallback, placed before EarlyStopping, writes `values[epoch]` into
// the logs under `key` at each epoch end, so the tests choose exactly what EarlyStopping sees. It
// also keeps each epoch's weights, to compare with what restore_best_weights leaves.
struct Scripted {
    explicit Scripted(std::string key, std::vector<double> values, EarlyStopping::Options options)
        : key(std::move(key)), values(std::move(values)), stop(std::make_shared<EarlyStopping>(std::move(options))) {
        kx::utils::set_random_seed(0);
        model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                       .metrics = {"accuracy"}});
    }

    kx::History fit(int epochs) {
        const Blobs data = make_blobs(30);
        kx::callbacks::LambdaCallback script({.on_epoch_end = [this](int epoch, kx::Logs& logs) {
            logs[key] = values.at(static_cast<std::size_t>(epoch));
            epoch_weights.push_back(model.get_weights());
        }});
        return model.fit(data.x, data.y, {.epochs = epochs, .batch_size = 10, .verbose = 0, .callbacks = {script, stop}});
    }

    std::string key;
    std::vector<double> values;
    std::shared_ptr<EarlyStopping> stop;
    kx::Sequential model{{kx::layers::Input({2}), kx::layers::Dense(3)}};
    std::vector<std::vector<kx::Tensor>> epoch_weights;
};

bool same_values(const std::vector<kx::Tensor>& a, const std::vector<kx::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].size() != b[i].size()) return false;
        for (std::size_t j = 0; j < a[i].size(); ++j)
            if (a[i].data()[j] != b[i].data()[j]) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("EarlyStopping has Keras 3's defaults", "[callbacks-monitor]") {
    const EarlyStopping stop;
    CHECK(stop.options().monitor == "val_loss");
    CHECK(stop.options().min_delta == 0.0);
    CHECK(stop.options().patience == 0);
    CHECK(stop.options().verbose == 0);
    CHECK(stop.options().mode == "auto");
    CHECK_FALSE(stop.options().baseline);
    CHECK_FALSE(stop.options().restore_best_weights);
    CHECK(stop.options().start_from_epoch == 0);
    CHECK_FALSE(stop.maximizes());
}

TEST_CASE("EarlyStopping stops once patience epochs pass without improvement", "[callbacks-monitor]") {
    // Best at epoch 1; epochs 2 and 3 do not improve, so with patience 2 fit stops after epoch 3.
    Scripted run("score_loss", {5.0, 4.0, 4.5, 4.2, 3.0, 2.0, 1.0, 0.5}, {.monitor = "score_loss", .patience = 2});
    const kx::History h = run.fit(8);
    CHECK(h.epoch == std::vector<int>{0, 1, 2, 3});
    CHECK(run.stop->stopped_epoch() == 3);
    CHECK(run.stop->best_epoch() == 1);
    CHECK(run.stop->best() == std::optional<double>(4.0));
    CHECK(run.stop->wait() == 2);
}

TEST_CASE("EarlyStopping with patience 0 stops at the first epoch that does not improve", "[callbacks-monitor]") {
    Scripted run("score_loss", {3.0, 2.0, 2.0, 1.0}, {.monitor = "score_loss"});
    const kx::History h = run.fit(4);
    CHECK(h.epoch == std::vector<int>{0, 1, 2});   // equal is no improvement
    CHECK(run.stop->stopped_epoch() == 2);
}

TEST_CASE("EarlyStopping runs every epoch while the value keeps improving", "[callbacks-monitor]") {
    Scripted run("score_loss", {4.0, 3.0, 2.0, 1.0}, {.monitor = "score_loss"});
    const kx::History h = run.fit(4);
    CHECK(h.epoch.size() == 4);
    CHECK(run.stop->stopped_epoch() == 0);
}

TEST_CASE("EarlyStopping counts changes smaller than min_delta as no improvement", "[callbacks-monitor]") {
    const std::vector<double> values{1.0, 0.95, 0.92, 0.5, 0.4};
    SECTION("min_delta 0.1: 0.95 and 0.92 do not beat 1.0 by more than 0.1") {
        Scripted run("score_loss", values, {.monitor = "score_loss", .min_delta = 0.1, .patience = 2});
        CHECK(run.fit(5).epoch == std::vector<int>{0, 1, 2});
        CHECK(run.stop->best() == std::optional<double>(1.0));
    }
    SECTION("min_delta 0: every decrease counts") {
        Scripted run("score_loss", values, {.monitor = "score_loss", .patience = 2});
        CHECK(run.fit(5).epoch.size() == 5);
        CHECK(run.stop->best() == std::optional<double>(0.4));
    }
}

TEST_CASE("EarlyStopping with a baseline stops when the value never reaches it", "[callbacks-monitor]") {
    const std::vector<double> values{0.5, 0.4, 0.3, 0.2, 0.1};   // accuracy-like, falling
    SECTION("baseline 0.9: epoch 0 improves on nothing but misses the baseline, so its wait counts") {
        Scripted run("score_accuracy", values, {.monitor = "score_accuracy", .patience = 2, .baseline = 0.9});
        CHECK(run.fit(5).epoch == std::vector<int>{0, 1});
        CHECK(run.stop->stopped_epoch() == 1);
    }
    SECTION("without a baseline, epoch 0 resets the wait") {
        Scripted run("score_accuracy", values, {.monitor = "score_accuracy", .patience = 2});
        CHECK(run.fit(5).epoch == std::vector<int>{0, 1, 2});
    }
    SECTION("a value past the baseline resets the wait") {
        Scripted run("score_accuracy", {0.5, 0.95, 0.9, 0.9, 0.9}, {.monitor = "score_accuracy", .patience = 2, .baseline = 0.9});
        CHECK(run.fit(5).epoch == std::vector<int>{0, 1, 2, 3});
        CHECK(run.stop->best_epoch() == 1);
    }
}

TEST_CASE("EarlyStopping mode auto maximizes accuracy and minimizes loss", "[callbacks-monitor]") {
    const std::vector<double> rising{0.1, 0.2, 0.3, 0.4};
    SECTION("accuracy rising is improving") {
        Scripted run("accuracy", rising, {.monitor = "accuracy"});
        CHECK(run.fit(4).epoch.size() == 4);
        CHECK(run.stop->maximizes());
    }
    SECTION("loss rising is not") {
        Scripted run("loss", rising, {.monitor = "loss"});
        CHECK(run.fit(4).epoch == std::vector<int>{0, 1});
        CHECK_FALSE(run.stop->maximizes());
    }
    SECTION("mode max overrides the name") {
        Scripted run("loss", rising, {.monitor = "loss", .mode = "max"});
        CHECK(run.fit(4).epoch.size() == 4);
    }
}

TEST_CASE("EarlyStopping restores the best epoch's weights when patience runs out", "[callbacks-monitor]") {
    Scripted run("score_loss", {3.0, 1.0, 2.0, 2.0, 0.5, 0.1}, {.monitor = "score_loss", .patience = 2, .restore_best_weights = true});
    CHECK(run.fit(6).epoch == std::vector<int>{0, 1, 2, 3});
    REQUIRE(run.epoch_weights.size() == 4);
    REQUIRE_FALSE(same_values(run.epoch_weights[1], run.epoch_weights[3]));   // training moved the weights
    CHECK(same_values(run.model.get_weights(), run.epoch_weights[1]));
}

TEST_CASE("EarlyStopping restores the best weights also when fit runs every epoch", "[callbacks-monitor]") {
    Scripted run("score_loss", {3.0, 1.0, 2.0, 2.0}, {.monitor = "score_loss", .patience = 10, .restore_best_weights = true});
    CHECK(run.fit(4).epoch.size() == 4);
    CHECK(run.stop->stopped_epoch() == 0);
    REQUIRE_FALSE(same_values(run.epoch_weights[1], run.epoch_weights[3]));
    CHECK(same_values(run.model.get_weights(), run.epoch_weights[1]));
}

TEST_CASE("EarlyStopping without restore_best_weights keeps the last weights", "[callbacks-monitor]") {
    Scripted run("score_loss", {3.0, 1.0, 2.0, 2.0}, {.monitor = "score_loss", .patience = 2});
    run.fit(4);
    CHECK(same_values(run.model.get_weights(), run.epoch_weights[3]));
}

TEST_CASE("EarlyStopping ignores the epochs before start_from_epoch", "[callbacks-monitor]") {
    const std::vector<double> rising_loss{1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
    SECTION("start_from_epoch 3: epoch 3 sets the best, epoch 4 exhausts patience 1") {
        Scripted run("score_loss", rising_loss, {.monitor = "score_loss", .patience = 1, .restore_best_weights = true, .start_from_epoch = 3});
        CHECK(run.fit(6).epoch == std::vector<int>{0, 1, 2, 3, 4});
        CHECK(run.stop->best_epoch() == 3);
        CHECK(same_values(run.model.get_weights(), run.epoch_weights[3]));
    }
    SECTION("start_from_epoch 0: epoch 1 already stops") {
        Scripted run("score_loss", rising_loss, {.monitor = "score_loss", .patience = 1});
        CHECK(run.fit(6).epoch == std::vector<int>{0, 1});
    }
}

TEST_CASE("EarlyStopping warns once and keeps training when the monitor is missing", "[callbacks-monitor]") {
    kx::utils::set_random_seed(0);
    const Blobs data = make_blobs(30);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    std::ostringstream err;
    std::streambuf* previous = std::cerr.rdbuf(err.rdbuf());
    const kx::History h = model.fit(data.x, data.y, {.epochs = 3, .verbose = 0, .callbacks = {EarlyStopping()}});   // no validation: no val_loss
    std::cerr.rdbuf(previous);
    CHECK(h.epoch.size() == 3);
    CHECK(err.str() == "EarlyStopping conditioned on metric `val_loss` which is not available. Available metrics are: loss\n");
}

TEST_CASE("EarlyStopping starts afresh on every fit", "[callbacks-monitor]") {
    Scripted run("score_loss", {3.0, 4.0, 5.0}, {.monitor = "score_loss"});
    CHECK(run.fit(3).epoch == std::vector<int>{0, 1});
    run.values = {5.0, 4.0, 3.0};
    CHECK(run.fit(3).epoch.size() == 3);   // a stale best of 3.0 would have stopped it at once
    CHECK(run.stop->stopped_epoch() == 0);
    CHECK(run.stop->best() == std::optional<double>(3.0));
}

TEST_CASE("EarlyStopping prints when it stops and restores with verbose 1", "[callbacks-monitor]") {
    Scripted run("score_loss", {3.0, 1.0, 2.0, 2.0}, {.monitor = "score_loss", .patience = 1, .verbose = 1, .restore_best_weights = true});
    std::ostringstream out;
    std::streambuf* previous = std::cout.rdbuf(out.rdbuf());
    run.fit(4);
    std::cout.rdbuf(previous);
    CHECK(out.str() == "Epoch 3: early stopping\nRestoring model weights from the end of the best epoch: 2.\n");
}

TEST_CASE("EarlyStopping rejects a bad mode, patience or start_from_epoch", "[callbacks-monitor]") {
    REQUIRE_THROWS_WITH(EarlyStopping({.mode = "maximum"}), Catch::Contains("EarlyStopping: mode must be one of") && Catch::Contains("maximum"));
    REQUIRE_THROWS_WITH(EarlyStopping({.patience = -1}), Catch::Contains("patience must be >= 0; received patience=-1"));
    REQUIRE_THROWS_WITH(EarlyStopping({.start_from_epoch = -2}), Catch::Contains("start_from_epoch=-2"));
}
