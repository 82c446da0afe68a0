// kx::callbacks::ModelCheckpoint: saves the model (or its weights) during fit.
//
//   // The best model by validation accuracy, overwritten whenever it improves:
//   kx::callbacks::ModelCheckpoint best("ckpt/best.kx", {.monitor = "val_accuracy", .save_best_only = true});
//   // One file per epoch, named by the epoch (from 1) and any logged value:
//   kx::callbacks::ModelCheckpoint every("ckpt/model-{epoch:02d}-{val_loss:.4f}.kx");
//   model.fit(x, y, {.epochs = 20, .validation_split = 0.1, .callbacks = {best, every}});
//   auto restored = kx::models::load_model("ckpt/best.kx");
//
// Keras 3's arguments, defaults and semantics. filepath is a template in Python's format syntax
// (fmt's, which follows it): {epoch} is the epoch counted from 1, {batch} the batch within the
// epoch counted from 1 (batch-level saves only), and any log key ({loss}, {val_accuracy:.3f}) its
// value. A field naming a key the logs do not have is a kx::Error naming it and the available
// keys; fields must be named. The file must end in ".kx" (Keras checks its extensions too);
// missing directories are created. save_weights_only writes Model::save_weights, otherwise
// Model::save (architecture, weights, compile config and optimizer state); both replace the file
// atomically.
//
// save_freq is "epoch" (save at every epoch end) or a number N of batches: save after every N
// training batches, counted across epochs, with the epoch the N-th batch belongs to (30 samples,
// batch 6, save_freq 15: the ends of epochs 3, 6 and 9). With save_best_only, a file is written
// only when the monitored value improves on the best so far (MonitorCallback: mode "auto", "min",
// "max"), the first time on initial_value_threshold if given; a missing monitor key skips the save
// with one warning per fit (Keras 3's tests pin that no file is written). The best value is kept
// across fits, as in Keras, so a second fit does not overwrite a better checkpoint. So is the
// batch count. verbose 1 prints each decision as Keras does.
#pragma once

#include <kerasxx/callbacks/monitor.hpp>

#include <optional>
#include <string>
#include <variant>

namespace kx::callbacks {

class ModelCheckpoint : public MonitorCallback {
public:
    struct Options {
        std::string monitor = "val_loss";
        int verbose = 0;
        bool save_best_only = false;
        bool save_weights_only = false;
        std::string mode = "auto";                                     // "auto", "min" or "max"
        std::variant<std::string, int> save_freq = "epoch";            // "epoch" or a number of batches
        std::optional<double> initial_value_threshold = std::nullopt;  // the best value to beat at first
    };

    explicit ModelCheckpoint(std::string filepath);
    ModelCheckpoint(std::string filepath, Options options);

    void on_epoch_begin(int epoch, Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;
    void on_train_batch_end(int batch, Logs& logs) override;

    const std::string& filepath() const { return filepath_; }
    const Options& options() const { return options_; }
    std::optional<double> best() const { return best_; }
    // The path the template gives for this epoch (from 0, as in the hooks), batch (from 0; none for
    // epoch-level saves) and logs.
    std::string format_filepath(int epoch, std::optional<int> batch, const Logs& logs) const;

private:
    std::string filepath_;
    Options options_;
    int save_every_batches_ = 0;   // 0: save at epoch ends
    std::optional<double> best_;
    int current_epoch_ = 0;
    int batches_since_save_ = 0;

    void save(int epoch, std::optional<int> batch, const Logs& logs);
};

}  // namespace kx::callbacks
