#include <kerasxx/callbacks/early_stopping.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <iostream>

namespace kx::callbacks {

EarlyStopping::EarlyStopping() : EarlyStopping(Options{}) {}

EarlyStopping::EarlyStopping(Options options)
    : MonitorCallback("EarlyStopping", options.monitor, options.mode, options.baseline, options.min_delta),
      options_(std::move(options)) {
    if (options_.patience < 0)
        throw Error("EarlyStopping: patience must be >= 0; received patience=" + std::to_string(options_.patience));
    if (options_.start_from_epoch < 0)
        throw Error("EarlyStopping: start_from_epoch must be >= 0; received start_from_epoch=" +
                    std::to_string(options_.start_from_epoch));
}

void EarlyStopping::on_train_begin(Logs& logs) {
    MonitorCallback::on_train_begin(logs);   // one callback may serve several fits
    wait_ = 0;
    stopped_epoch_ = 0;
    best_epoch_ = 0;
    best_.reset();
    best_weights_.clear();
}

void EarlyStopping::on_epoch_end(int epoch, Logs& logs) {
    if (epoch < options_.start_from_epoch) return;
    const std::optional<double> current = monitor_value(logs);
    if (!current) return;
    // Keep the first monitored epoch's weights, so there is something to restore even if no epoch improves.
    if (options_.restore_best_weights && best_weights_.empty()) {
        best_weights_ = model().get_weights();
        best_epoch_ = epoch;
    }
    ++wait_;
    if (is_improvement(*current, best_)) {
        best_ = current;
        best_epoch_ = epoch;
        if (options_.restore_best_weights) best_weights_ = model().get_weights();
        if (!baseline() || is_improvement(*current, baseline())) wait_ = 0;
        return;
    }
    if (wait_ >= options_.patience && epoch > 0) {
        stopped_epoch_ = epoch;
        model().stop_training = true;
    }
}

void EarlyStopping::on_train_end(Logs&) {
    if (stopped_epoch_ > 0 && options_.verbose > 0) std::cout << "Epoch " << stopped_epoch_ + 1 << ": early stopping\n";
    if (options_.restore_best_weights && !best_weights_.empty()) {
        if (options_.verbose > 0)
            std::cout << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1 << ".\n";
        model().set_weights(best_weights_);
    }
}

}  // namespace kx::callbacks
