#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <cmath>
#include <limits>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

namespace {

// Mean squared error that turns NaN (or +inf) from its `poisoned_call`-th call on (0-based), so the
// test knows exactly which batch goes bad.
class PoisonedLoss : public kx::Loss {
public:
    PoisonedLoss(int poisoned_call, float poison) : poisoned_call_(poisoned_call), poison_(poison) {}
    kx::Tensor call(const kx::Tensor& y_true, const kx::Tensor& y_pred) const override {
        const kx::Tensor per_sample = kx::losses::MeanSquaredError().call(y_true, y_pred);
        return (*calls_)++ >= poisoned_call_ ? per_sample * poison_ : per_sample;
    }
    std::string class_name() const override { return "PoisonedLoss"; }
    std::string name() const override { return "poisoned_loss"; }

private:
    int poisoned_call_;
    float poison_;
    std::shared_ptr<int> calls_ = std::make_shared<int>(0);   // shared by the copies the handle makes
};

struct Run {
    std::vector<double> batch_losses;
    kx::History history;
    std::string printed;
};

Run fit_with_poison(float poison, bool terminate) {
    kx::utils::set_random_seed(0);
    const Blobs data = make_blobs(30);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(1)});
    model.compile({.optimizer = "sgd", .loss = PoisonedLoss(4, poison)});
    Run run;
    kx::callbacks::LambdaCallback record({.on_train_batch_end = [&](int, kx::Logs& logs) { run.batch_losses.push_back(logs.at("loss")); }});
    std::vector<kx::CallbackHandle> callbacks{record};
    if (terminate) callbacks.emplace_back(kx::callbacks::TerminateOnNaN());
    std::ostringstream out;
    std::streambuf* previous = std::cout.rdbuf(out.rdbuf());
    // 30 samples in batches of 10: 3 batches per epoch; the 5th batch (epoch 1, batch 1) is poisoned.
    run.history = model.fit(data.x, data.y, {.epochs = 3, .batch_size = 10, .verbose = 0, .shuffle = false, .callbacks = callbacks});
    std::cout.rdbuf(previous);
    run.printed = out.str();
    return run;
}

}  // namespace

TEST_CASE("TerminateOnNaN stops fit after the batch whose loss is NaN", "[callbacks-monitor]") {
    const Run run = fit_with_poison(std::numeric_limits<float>::quiet_NaN(), true);
    REQUIRE(run.batch_losses.size() == 5);
    for (int i = 0; i < 4; ++i) CHECK(std::isfinite(run.batch_losses[i]));
    CHECK(std::isnan(run.batch_losses[4]));
    CHECK(run.history.epoch == std::vector<int>{0, 1});   // the interrupted epoch still ends, as in Keras
    CHECK(run.printed == "Batch 1: Invalid loss, terminating training\n");
}

TEST_CASE("TerminateOnNaN stops fit on an infinite loss", "[callbacks-monitor]") {
    const Run run = fit_with_poison(std::numeric_limits<float>::infinity(), true);
    REQUIRE(run.batch_losses.size() == 5);
    CHECK(std::isinf(run.batch_losses[4]));
    CHECK(run.printed == "Batch 1: Invalid loss, terminating training\n");
}

TEST_CASE("Without TerminateOnNaN fit runs every batch through a NaN loss", "[callbacks-monitor]") {
    const Run run = fit_with_poison(std::numeric_limits<float>::quiet_NaN(), false);
    CHECK(run.batch_losses.size() == 9);
    CHECK(run.history.epoch == std::vector<int>{0, 1, 2});
    CHECK(run.printed.empty());
}
