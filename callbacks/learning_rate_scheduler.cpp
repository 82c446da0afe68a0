#include <kerasxx/callbacks/learning_rate_scheduler.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <fmt/format.h>

#include <cmath>
#include <iostream>

namespace kx::callbacks {

namespace {

// Python's repr of a float ("0.01", "1.0", "1e-05"), so messages read as Keras prints them.
std::string repr(double value) {
    std::string s = fmt::format("{}", value);
    if (s.find_first_not_of("-0123456789") == std::string::npos) s += ".0";
    return s;
}

}  // namespace

LearningRateScheduler::LearningRateScheduler(Schedule schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
    if (!schedule_) throw Error("LearningRateScheduler: expected a schedule function, got an empty std::function");
}

LearningRateScheduler::LearningRateScheduler(EpochSchedule schedule, int verbose)
    : LearningRateScheduler(schedule ? Schedule([schedule](int epoch, double) { return schedule(epoch); }) : Schedule(),
                            verbose) {}

void LearningRateScheduler::on_epoch_begin(int epoch, Logs&) {
    Optimizer& optimizer = model().optimizer();
    const double learning_rate = schedule_(epoch, optimizer.learning_rate());
    if (!std::isfinite(learning_rate) || learning_rate < 0.0)
        throw Error("LearningRateScheduler: expected the schedule to return a finite learning rate >= 0, got " +
                    repr(learning_rate) + " at epoch " + std::to_string(epoch));
    try {
        optimizer.set_learning_rate(learning_rate);
    } catch (const Error& e) {
        throw Error(std::string("LearningRateScheduler: ") + e.what());
    }
    if (verbose_ > 0)
        std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to " << repr(learning_rate) << ".\n";
}

void LearningRateScheduler::on_epoch_end(int, Logs& logs) { logs["learning_rate"] = model().optimizer().learning_rate(); }

}  // namespace kx::callbacks
