// kx::callbacks::ReduceLROnPlateau: lowers the learning rate when a monitored quantity stops improving.
//
//   kx::callbacks::ReduceLROnPlateau reduce_lr({.monitor = "val_loss", .factor = 0.2, .patience = 5, .min_lr = 1e-4});
//   model.fit(x, y, {.epochs = 100, .validation_split = 0.1, .callbacks = {reduce_lr}});
//
// Keras 3's arguments, defaults and semantics. At each epoch end the current learning rate is
// written to the logs as "learning_rate" (so History records it), then the monitored value is
// compared with the best so far (MonitorCallback: mode, min_delta). After `patience` epochs without
// improvement the rate becomes max(lr * factor, min_lr), unless it is already at min_lr, and
// `cooldown` epochs follow in which the wait does not grow. Every fit starts afresh (best, wait and
// cooldown are reset). A missing monitor key gives one warning on stderr per fit and is skipped.
// The optimizer must have been given a number as learning_rate, not a schedule (as in Keras).
#pragma once

#include <kerasxx/callbacks/monitor.hpp>

#include <optional>
#include <string>

namespace kx::callbacks {

class ReduceLROnPlateau : public MonitorCallback {
public:
    struct Options {
        std::string monitor = "val_loss";
        double factor = 0.1;          // new_lr = lr * factor; 0 <= factor < 1
        int patience = 10;            // epochs without improvement before a reduction
        int verbose = 0;              // 1: print each reduction
        std::string mode = "auto";    // "auto", "min" or "max"
        double min_delta = 1e-4;      // smaller changes do not count as improvements
        int cooldown = 0;             // epochs after a reduction before the wait counts again
        double min_lr = 0.0;          // lower bound on the learning rate
    };

    ReduceLROnPlateau();
    explicit ReduceLROnPlateau(Options options);

    void on_train_begin(Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;

    const Options& options() const { return options_; }
    std::optional<double> best() const { return best_; }
    int wait() const { return wait_; }
    int cooldown_counter() const { return cooldown_counter_; }

private:
    Options options_;
    std::optional<double> best_;
    int wait_ = 0;
    int cooldown_counter_ = 0;
};

}  // namespace kx::callbacks
