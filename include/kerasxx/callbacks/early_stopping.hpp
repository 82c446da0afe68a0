// kx::callbacks::EarlyStopping: stops fit when a monitored quantity has stopped improving.
//
//   auto stop = std::make_shared<kx::callbacks::EarlyStopping>(
//       kx::callbacks::EarlyStopping::Options{.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
//   model.fit(x, y, {.epochs = 100, .validation_split = 0.1, .callbacks = {stop}});
//   int last = stop->stopped_epoch();   // 0 when training ran every epoch
//
// Keras 3's arguments, defaults and semantics. At each epoch end from start_from_epoch on, a value
// that beats the best so far by more than min_delta becomes the best (and, with
// restore_best_weights, its weights are kept); otherwise `wait` grows, and fit stops once it
// reaches `patience`. With a baseline, an improvement only resets `wait` when it also beats the
// baseline, so training stops after `patience` epochs that fail to reach it. When the monitored
// key is missing from the logs, a warning goes to stderr and the epoch is skipped.
// restore_best_weights puts back the best epoch's weights at the end of fit, whether or not fit
// stopped early (as Keras 3 does). Passing the callback by value copies it into fit; share a
// std::shared_ptr to read stopped_epoch() afterwards.
#pragma once

#include <kerasxx/callbacks/monitor.hpp>
#include <kerasxx/tensor.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kx::callbacks {

class EarlyStopping : public MonitorCallback {
public:
    struct Options {
        std::string monitor = "val_loss";
        double min_delta = 0.0;
        int patience = 0;
        int verbose = 0;                                   // 1: print when stopping and restoring
        std::string mode = "auto";                         // "auto", "min" or "max"
        std::optional<double> baseline = std::nullopt;
        bool restore_best_weights = false;
        int start_from_epoch = 0;                          // epochs to train before monitoring
    };

    EarlyStopping();
    explicit EarlyStopping(Options options);

    void on_train_begin(Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;
    void on_train_end(Logs& logs) override;

    const Options& options() const { return options_; }
    int stopped_epoch() const { return stopped_epoch_; }   // the epoch fit stopped after; 0 if it did not
    int best_epoch() const { return best_epoch_; }
    std::optional<double> best() const { return best_; }
    int wait() const { return wait_; }

private:
    Options options_;
    int wait_ = 0;
    int stopped_epoch_ = 0;
    int best_epoch_ = 0;
    std::optional<double> best_;
    std::vector<Tensor> best_weights_;
};

}  // namespace kx::callbacks
