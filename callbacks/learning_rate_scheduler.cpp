#include "format.hpp"

#include <kerasxx/callbacks/learning_rate_scheduler.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <cmath>
#include <iostream>

namespace kx::callbacks {

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
                    detail::python_float(learning_rate) + " at epoch " + std::to_string(epoch));
    try {
        optimizer.set_learning_rate(learning_rate);
    } catch (const Error& e) {
        throw Error(std::string("LearningRateScheduler: ") + e.what());
    }
    if (verbose_ > 0)
        std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to " << detail::python_float(learning_rate) << ".\n";
}

void LearningRateScheduler::on_epoch_end(int, Logs& logs) { logs["learning_rate"] = model().optimizer().learning_rate(); }

}  // namespace kx::callbacks
