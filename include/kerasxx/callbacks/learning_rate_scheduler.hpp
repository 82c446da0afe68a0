// kx::callbacks::LearningRateScheduler: sets the optimizer's learning rate at the start of each epoch.
//
//   // Keep the rate for ten epochs, then decay it by e^-0.1 per epoch.
//   kx::callbacks::LearningRateScheduler scheduler([](int epoch, double lr) {
//       return epoch < 10 ? lr : lr * std::exp(-0.1);
//   });
//   model.fit(x, y, {.epochs = 15, .callbacks = {scheduler}});
//
// Keras 3's arguments and semantics. At each epoch begin, schedule(epoch, current learning rate)
// (epochs counted from 0) becomes the optimizer's learning rate; Keras' older one-argument form
// schedule(epoch) is accepted too. At each epoch end the rate is written to the logs as
// "learning_rate" (Keras 3's key; Keras 2 wrote "lr"), so History records it. A schedule that
// returns NaN, infinity or a negative rate is a kx::Error naming the epoch (Keras only checks that
// it returns a float). The optimizer must have been given a number as learning_rate, not a
// LearningRateSchedule (as in Keras). With verbose 1 each update is printed.
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <functional>

namespace kx::callbacks {

class LearningRateScheduler : public Callback {
public:
    using Schedule = std::function<double(int epoch, double learning_rate)>;
    using EpochSchedule = std::function<double(int epoch)>;

    explicit LearningRateScheduler(Schedule schedule, int verbose = 0);
    explicit LearningRateScheduler(EpochSchedule schedule, int verbose = 0);

    void on_epoch_begin(int epoch, Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;

    int verbose() const { return verbose_; }

private:
    Schedule schedule_;
    int verbose_;
};

}  // namespace kx::callbacks
