#include "format.hpp"

#include <kerasxx/callbacks/reduce_lr_on_plateau.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <algorithm>
#include <iostream>

namespace kx::callbacks {

ReduceLROnPlateau::ReduceLROnPlateau() : ReduceLROnPlateau(Options{}) {}

ReduceLROnPlateau::ReduceLROnPlateau(Options options)
    : MonitorCallback("ReduceLROnPlateau", options.monitor, options.mode, std::nullopt, options.min_delta),
      options_(std::move(options)) {
    if (!(options_.factor < 1.0))
        throw Error("ReduceLROnPlateau: expected factor < 1.0, got " + detail::python_float(options_.factor) +
                    " (new_lr = lr * factor must be smaller than lr)");
    if (!(options_.factor >= 0.0)) throw Error("ReduceLROnPlateau: expected factor >= 0, got " + detail::python_float(options_.factor));
    if (options_.patience < 0)
        throw Error("ReduceLROnPlateau: expected patience >= 0, got " + std::to_string(options_.patience));
    if (options_.cooldown < 0)
        throw Error("ReduceLROnPlateau: expected cooldown >= 0, got " + std::to_string(options_.cooldown));
    if (!(options_.min_lr >= 0.0)) throw Error("ReduceLROnPlateau: expected min_lr >= 0, got " + detail::python_float(options_.min_lr));
}

void ReduceLROnPlateau::on_train_begin(Logs& logs) {
    MonitorCallback::on_train_begin(logs);
    best_.reset();
    wait_ = 0;
    cooldown_counter_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int epoch, Logs& logs) {
    Optimizer& optimizer = model().optimizer();
    const double old_lr = optimizer.learning_rate();
    logs["learning_rate"] = old_lr;   // the rate this epoch trained with
    const std::optional<double> current = monitor_value(logs);
    if (!current) return;
    if (cooldown_counter_ > 0) {
        --cooldown_counter_;
        wait_ = 0;
    }
    if (is_improvement(*current, best_)) {
        best_ = current;
        wait_ = 0;
        return;
    }
    if (cooldown_counter_ > 0 || ++wait_ < options_.patience) return;
    if (old_lr <= options_.min_lr) return;   // already at the floor: nothing to reduce, keep waiting
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    try {
        optimizer.set_learning_rate(new_lr);
    } catch (const Error& e) {
        throw Error(std::string("ReduceLROnPlateau: ") + e.what());
    }
    if (options_.verbose > 0)
        std::cout << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to " << detail::python_float(new_lr) << ".\n";
    cooldown_counter_ = options_.cooldown;
    wait_ = 0;
}

}  // namespace kx::callbacks
