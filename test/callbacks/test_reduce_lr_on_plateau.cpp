#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using kx::callbacks::ReduceLROnPlateau;

namespace {

// A real fit in which a LambdaCallback, placed before ReduceLROnPlateau, writes `values[epoch]`
// into the logs under `key`, so each test chooses exactly what the callback sees.
struct Scripted {
    Scripted(std::string key, std::vector<double> values, ReduceLROnPlateau::Options options, double learning_rate = 1.0)
        : key(std::move(key)), values(std::move(values)), reduce(std::make_shared<ReduceLROnPlateau>(std::move(options))) {
        kx::utils::set_random_seed(0);
        model.compile({.optimizer = kx::optimizers::SGD(learning_rate),
                       .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    }

    kx::History fit(int epochs) {
        const Blobs data = make_blobs(30);
        kx::callbacks::LambdaCallback script(
            {.on_epoch_end = [this](int epoch, kx::Logs& logs) { logs[key] = values.at(static_cast<std::size_t>(epoch)); }});
        return model.fit(data.x, data.y, {.epochs = epochs, .batch_size = 10, .verbose = 0, .callbacks = {script, reduce}});
    }

    double learning_rate() const { return model.optimizer().learning_rate(); }

    std::string key;
    std::vector<double> values;
    std::shared_ptr<ReduceLROnPlateau> reduce;
    kx::Sequential model{{kx::layers::Input({2}), kx::layers::Dense(3)}};
};

// Keras' own fixture: validation data, Adam(0.1), the real val_loss.
kx::History fit_with_validation(kx::Sequential& model, std::shared_ptr<ReduceLROnPlateau> reduce, int epochs) {
    kx::utils::set_random_seed(0);
    const Blobs train = make_blobs(30), test = make_blobs(30, 1);
    model.compile({.optimizer = kx::optimizers::Adam(0.1),
                   .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    return model.fit(train.x, train.y,
                     {.epochs = epochs, .batch_size = 10, .verbose = 0, .validation_data = {test.x, test.y}, .callbacks = {reduce}});
}

}  // namespace

TEST_CASE("ReduceLROnPlateau has Keras 3's defaults", "[callbacks4]") {
    const ReduceLROnPlateau reduce;
    CHECK(reduce.options().monitor == "val_loss");
    CHECK(reduce.options().factor == 0.1);
    CHECK(reduce.options().patience == 10);
    CHECK(reduce.options().verbose == 0);
    CHECK(reduce.options().mode == "auto");
    CHECK(reduce.options().min_delta == 1e-4);
    CHECK(reduce.options().cooldown == 0);
    CHECK(reduce.options().min_lr == 0.0);
    CHECK_FALSE(reduce.maximizes());
}

TEST_CASE("ReduceLROnPlateau reduces the learning rate when val_loss stops improving (Keras' case)", "[callbacks4]") {
    // min_delta 100: only the first epoch improves (on nothing), so epoch 1 exhausts patience 1.
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(5), kx::layers::Dense(3)});
    fit_with_validation(model, std::make_shared<ReduceLROnPlateau>(ReduceLROnPlateau::Options{
                                   .factor = 0.1, .patience = 1, .min_delta = 100}), 2);
    CHECK(model.optimizer().learning_rate() == 0.1 * 0.1);
}

TEST_CASE("ReduceLROnPlateau waits patience epochs, then multiplies by factor, and logs the rate each epoch", "[callbacks4]") {
    // Best 4.0 at epoch 1; epochs 2, 3 do not improve -> reduce at epoch 3. Best 3.0 at epoch 4;
    // epochs 5, 6 do not improve -> reduce at epoch 6. "learning_rate" is the rate the epoch trained with.
    Scripted run("score_loss", {5.0, 4.0, 4.5, 4.2, 3.0, 3.5, 3.6, 3.7}, {.monitor = "score_loss", .factor = 0.5, .patience = 2});
    const kx::History h = run.fit(8);
    CHECK(h.history.at("learning_rate") == std::vector<double>{1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25});
    CHECK(run.learning_rate() == 0.25);
    CHECK(run.reduce->best() == std::optional<double>(3.0));
    CHECK(run.reduce->wait() == 1);
}

TEST_CASE("ReduceLROnPlateau counts changes within min_delta as no improvement", "[callbacks4]") {
    const std::vector<double> values{1.0, 0.95, 0.92, 0.8};
    SECTION("min_delta 0.1: 0.95 and 0.92 do not beat 1.0 by more than 0.1") {
        Scripted run("score_loss", values, {.monitor = "score_loss", .factor = 0.5, .patience = 2, .min_delta = 0.1});
        run.fit(4);
        CHECK(run.learning_rate() == 0.5);   // reduced at epoch 2, then 0.8 beats 1.0 by 0.2
        CHECK(run.reduce->best() == std::optional<double>(0.8));
    }
    SECTION("min_delta 0: every decrease improves") {
        Scripted run("score_loss", values, {.monitor = "score_loss", .factor = 0.5, .patience = 2, .min_delta = 0.0});
        run.fit(4);
        CHECK(run.learning_rate() == 1.0);
    }
}

TEST_CASE("ReduceLROnPlateau's cooldown skips epochs after a reduction (Keras' case)", "[callbacks4]") {
    // patience 1, cooldown 2, nothing ever improves after epoch 0: reductions at epochs 1 and 3
    // (epoch 2 is in cooldown), as Keras' test_cooldown pins; then again at 5.
    Scripted run("score_loss", std::vector<double>(6, 1.0),
                 {.monitor = "score_loss", .factor = 0.1, .patience = 1, .min_delta = 100, .cooldown = 2}, 0.1);
    const kx::History h = run.fit(6);
    const std::vector<double> lr = h.history.at("learning_rate");
    REQUIRE(lr.size() == 6);
    CHECK(lr[0] == Approx(0.1).epsilon(1e-12));
    CHECK(lr[1] == Approx(0.1).epsilon(1e-12));
    CHECK(lr[2] == Approx(0.01).epsilon(1e-12));
    CHECK(lr[3] == Approx(0.01).epsilon(1e-12));
    CHECK(lr[4] == Approx(0.001).epsilon(1e-12));
    CHECK(lr[5] == Approx(0.001).epsilon(1e-12));
    CHECK(run.learning_rate() == Approx(0.0001).epsilon(1e-12));
}

TEST_CASE("ReduceLROnPlateau never goes below min_lr (Keras' case)", "[callbacks4]") {
    // 0.1 -> 0.01 at epoch 1 -> max(0.001, 0.005) at epoch 2 -> unchanged at epoch 3.
    Scripted run("score_loss", std::vector<double>(4, 1.0),
                 {.monitor = "score_loss", .factor = 0.1, .patience = 1, .min_delta = 10, .min_lr = 0.005}, 0.1);
    const kx::History h = run.fit(4);
    CHECK(run.learning_rate() == 0.005);
    CHECK(h.history.at("learning_rate").back() == 0.005);
}

TEST_CASE("ReduceLROnPlateau follows mode: auto maximizes accuracy, max overrides a loss name", "[callbacks4]") {
    const std::vector<double> rising{0.1, 0.2, 0.3, 0.4};
    SECTION("a rising accuracy is improving: no reduction") {
        Scripted run("val_accuracy", rising, {.monitor = "val_accuracy", .factor = 0.5, .patience = 1});
        run.fit(4);
        CHECK(run.reduce->maximizes());
        CHECK(run.learning_rate() == 1.0);
    }
    SECTION("a rising loss is not: reduced at epochs 1, 2 and 3") {
        Scripted run("score_loss", rising, {.monitor = "score_loss", .factor = 0.5, .patience = 1});
        run.fit(4);
        CHECK(run.learning_rate() == 0.125);
    }
    SECTION("mode max on a loss name") {
        Scripted run("score_loss", rising, {.monitor = "score_loss", .factor = 0.5, .patience = 1, .mode = "max"});
        run.fit(4);
        CHECK(run.learning_rate() == 1.0);
    }
}

TEST_CASE("ReduceLROnPlateau starts afresh on every fit (Keras' case)", "[callbacks4]") {
    Scripted run("score_loss", {1.0, 2.0, 2.0}, {.monitor = "score_loss", .factor = 0.5, .patience = 1, .min_delta = 0, .cooldown = 2});
    run.fit(3);
    CHECK(run.reduce->cooldown_counter() == 1);   // reduced at epoch 1, one cooldown epoch left
    run.values = {5.0, 4.0, 3.0};
    run.fit(3);
    CHECK(run.reduce->cooldown_counter() == 0);
    CHECK(run.reduce->wait() == 0);
    CHECK(run.reduce->best() == std::optional<double>(3.0));
    CHECK(run.learning_rate() == 0.5);   // no reduction in the second fit; a stale best of 1.0 would have reduced it
}

TEST_CASE("ReduceLROnPlateau prints each reduction with verbose 1", "[callbacks4]") {
    Scripted run("score_loss", {1.0, 1.0, 1.0}, {.monitor = "score_loss", .factor = 0.5, .patience = 1, .verbose = 1}, 0.5);
    std::ostringstream out;
    std::streambuf* previous = std::cout.rdbuf(out.rdbuf());
    run.fit(3);
    std::cout.rdbuf(previous);
    CHECK(out.str() ==
          "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.25.\n"
          "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.125.\n");
}

TEST_CASE("ReduceLROnPlateau warns once per fit when the monitor is missing", "[callbacks4]") {
    Scripted run("score_loss", {1.0, 1.0, 1.0}, {.patience = 1});   // monitors val_loss: no validation
    std::ostringstream err;
    std::streambuf* previous = std::cerr.rdbuf(err.rdbuf());
    run.fit(3);
    std::cerr.rdbuf(previous);
    CHECK(err.str() ==
          "ReduceLROnPlateau conditioned on metric `val_loss` which is not available. "
          "Available metrics are: loss,score_loss,learning_rate\n");
    CHECK(run.learning_rate() == 1.0);
}

TEST_CASE("ReduceLROnPlateau fails with its name when the optimizer has a schedule (Keras' case)", "[callbacks4]") {
    kx::utils::set_random_seed(0);
    const Blobs data = make_blobs(30);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = kx::optimizers::Adam(kx::optimizers::schedules::PolynomialDecay(0.1, 10)),
                   .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    kx::callbacks::LambdaCallback script({.on_epoch_end = [](int, kx::Logs& logs) { logs["score_loss"] = 1.0; }});
    ReduceLROnPlateau reduce({.monitor = "score_loss", .patience = 1});
    REQUIRE_THROWS_WITH(model.fit(data.x, data.y, {.epochs = 2, .verbose = 0, .callbacks = {script, reduce}}),
                        Catch::StartsWith("ReduceLROnPlateau: ") && Catch::Contains("PolynomialDecay"));
}

TEST_CASE("ReduceLROnPlateau rejects a bad factor, patience, cooldown, min_lr or mode", "[callbacks4]") {
    REQUIRE_THROWS_WITH(ReduceLROnPlateau({.factor = 1.5}), Catch::StartsWith("ReduceLROnPlateau: expected factor < 1.0, got 1.5"));
    REQUIRE_THROWS_WITH(ReduceLROnPlateau({.factor = 1.0}), Catch::StartsWith("ReduceLROnPlateau: expected factor < 1.0, got 1.0"));
    REQUIRE_THROWS_WITH(ReduceLROnPlateau({.factor = -0.5}), Catch::Contains("expected factor >= 0, got -0.5"));
    REQUIRE_THROWS_WITH(ReduceLROnPlateau({.patience = -1}), Catch::Contains("expected patience >= 0, got -1"));
    REQUIRE_THROWS_WITH(ReduceLROnPlateau({.cooldown = -2}), Catch::Contains("expected cooldown >= 0, got -2"));
    REQUIRE_THROWS_WITH(ReduceLROnPlateau({.min_lr = -1e-3}), Catch::Contains("expected min_lr >= 0, got -0.001"));
    REQUIRE_THROWS_WITH(ReduceLROnPlateau({.mode = "maximum"}),
                        Catch::Contains("ReduceLROnPlateau: mode must be one of") && Catch::Contains("maximum"));
}
