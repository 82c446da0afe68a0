#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>
#include <vector>

using kx::callbacks::LearningRateScheduler;

namespace {

// Keras' fixture: a two-layer model trained with SGD (learning rate 0.01) unless told otherwise.
struct Fixture {
    explicit Fixture(kx::Handle<kx::Optimizer> optimizer = kx::optimizers::SGD()) {
        kx::utils::set_random_seed(0);
        model.compile({.optimizer = std::move(optimizer), .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    }

    kx::History fit(LearningRateScheduler scheduler, int epochs, int initial_epoch = 0) {
        return model.fit(data.x, data.y,
                         {.epochs = epochs, .batch_size = 10, .verbose = 0, .initial_epoch = initial_epoch, .callbacks = {scheduler}});
    }

    double learning_rate() const { return model.optimizer().learning_rate(); }

    Blobs data = make_blobs(30);
    kx::Sequential model{{kx::layers::Input({2}), kx::layers::Dense(5), kx::layers::Dense(3)}};
};

}  // namespace

TEST_CASE("LearningRateScheduler sets the schedule's rate at the start of each epoch (Keras' case)", "[callbacks4]") {
    Fixture f;
    f.fit(LearningRateScheduler([](int epoch) { return 1.0 / (2.0 + epoch); }), 1);
    CHECK(f.learning_rate() == 0.5);
}

TEST_CASE("LearningRateScheduler passes the current rate to a two-argument schedule (Keras' case)", "[callbacks4]") {
    Fixture f(kx::optimizers::Adam(0.03));
    f.fit(LearningRateScheduler([](int, double lr) { return lr / 2; }), 2);
    CHECK(f.learning_rate() == 0.03 / 4.0);
}

TEST_CASE("LearningRateScheduler logs learning_rate at each epoch end, so History has it (Keras' case)", "[callbacks4]") {
    Fixture f;
    const kx::History h = f.fit(LearningRateScheduler([](int epoch, double) { return 0.5 / (1 << epoch); }), 3);
    CHECK(h.history.at("learning_rate") == std::vector<double>{0.5, 0.25, 0.125});
}

TEST_CASE("LearningRateScheduler counts epochs from 0, continuing from initial_epoch", "[callbacks4]") {
    Fixture f;
    std::vector<int> seen;
    f.fit(LearningRateScheduler([&](int epoch, double lr) {
              seen.push_back(epoch);
              return lr;
          }),
          4, 2);
    CHECK(seen == std::vector<int>{2, 3});
}

TEST_CASE("LearningRateScheduler's rate is the one the optimizer trains with", "[callbacks4]") {
    // A schedule of 0 freezes the weights; the same fit with the default rate moves them.
    Fixture frozen;
    const std::vector<kx::Tensor> before = frozen.model.get_weights();
    frozen.fit(LearningRateScheduler([](int) { return 0.0; }), 2);
    const std::vector<kx::Tensor> after = frozen.model.get_weights();
    REQUIRE(before.size() == after.size());
    for (std::size_t i = 0; i < before.size(); ++i)
        for (std::size_t j = 0; j < before[i].size(); ++j) CHECK(after[i].data()[j] == before[i].data()[j]);

    Fixture moving;
    moving.fit(LearningRateScheduler([](int) { return 0.1; }), 2);
    CHECK(moving.model.get_weights()[0].data()[0] != before[0].data()[0]);
}

TEST_CASE("LearningRateScheduler prints each update with verbose 1 (Keras' case)", "[callbacks4]") {
    Fixture f;
    std::ostringstream out;
    std::streambuf* previous = std::cout.rdbuf(out.rdbuf());
    f.fit(LearningRateScheduler([](int epoch) { return 1.0 / (1.0 + epoch); }, 1), 2);
    std::cout.rdbuf(previous);
    CHECK(out.str() ==
          "\nEpoch 1: LearningRateScheduler setting learning rate to 1.0.\n"
          "\nEpoch 2: LearningRateScheduler setting learning rate to 0.5.\n");
}

TEST_CASE("LearningRateScheduler fails with its name when the optimizer has a schedule (Keras' case)", "[callbacks4]") {
    Fixture f(kx::optimizers::Adam(kx::optimizers::schedules::PolynomialDecay(0.1, 10)));
    REQUIRE_THROWS_WITH(f.fit(LearningRateScheduler([](int, double lr) { return lr / 2; }), 2),
                        Catch::StartsWith("LearningRateScheduler: ") && Catch::Contains("PolynomialDecay"));
}

TEST_CASE("LearningRateScheduler rejects a schedule returning NaN, infinity or a negative rate", "[callbacks4]") {
    Fixture f;
    REQUIRE_THROWS_WITH(f.fit(LearningRateScheduler([](int epoch) { return epoch == 1 ? std::nan("") : 0.1; }), 3),
                        Catch::Contains("LearningRateScheduler: expected the schedule to return a finite learning rate >= 0, "
                                        "got nan at epoch 1"));
    REQUIRE_THROWS_WITH(f.fit(LearningRateScheduler([](int) { return -0.5; }), 1), Catch::Contains("got -0.5 at epoch 0"));
    REQUIRE_THROWS_WITH(f.fit(LearningRateScheduler([](int) { return std::numeric_limits<double>::infinity(); }), 1),
                        Catch::Contains("got inf at epoch 0"));
    REQUIRE_THROWS_WITH(LearningRateScheduler(LearningRateScheduler::Schedule()), Catch::Contains("expected a schedule function"));
}
