// kx::callbacks::BackupAndRestore: makes fit() survive a crash or a `kill -9`. It backs up the
// model, the optimizer state, the position in training (epoch, batch, the epoch's sample order)
// and the random generator into `backup_dir`; a fit() started again with the same callback, model
// and data resumes after the last backed-up batch, and ends with the weights an uninterrupted run
// would have had, bit for bit (same seed, same thread count).
//
//   kx::utils::set_random_seed(42);
//   model.fit(x, y, {.epochs = 20, .callbacks = {kx::callbacks::BackupAndRestore("/var/ckpt/run1", {.save_freq = 100})}});
//
// Keras 3's arguments: save_freq "epoch" (at each epoch end) or a number of batches (counted
// across epochs); delete_checkpoint removes the backup when fit() completes (including an early
// stop). Keras restarts an interrupted epoch from its first batch; this resumes at the next one.
// Each backup replaces the previous one atomically, so a crash while saving keeps the last good
// backup; so does an exception thrown by another callback (fit() aborts, the backup stays).
// Kept out of the backup: the running metric averages of the interrupted epoch (its logs cover
// the batches after the restart) and other callbacks' state, as in Keras.
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <string>
#include <variant>

namespace kx::callbacks {

class BackupAndRestore : public Callback {
public:
    struct Options {
        std::variant<std::string, int> save_freq = "epoch";   // "epoch" or every N batches
        bool delete_checkpoint = true;
    };

    explicit BackupAndRestore(std::string backup_dir);
    BackupAndRestore(std::string backup_dir, Options options);

    // The backup file: <backup_dir>/backup.kx.
    std::string backup_path() const;

    void on_train_begin(Logs& logs) override;
    void on_train_batch_end(int batch, Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;
    void on_train_end(Logs& logs) override;

private:
    void save() const;

    std::string backup_dir_;
    int every_batches_ = 0;   // 0: at epoch ends
    bool delete_checkpoint_;
    int batches_since_save_ = 0;
};

}  // namespace kx::callbacks
