// kx::callbacks::CSVLogger: writes each epoch's logs as a row of a CSV file.
//
//   kx::callbacks::CSVLogger log("run/training.csv");                    // or {.separator = "\t", .append = true}
//   model.fit(x, y, {.epochs = 3, .validation_split = 0.2, .callbacks = {log}});
//   // epoch,accuracy,loss,val_accuracy,val_loss
//   // 0,0.61,0.93,0.72,0.81
//   // ...
//
// Keras 3's arguments and file format (Python's csv module, excel dialect): a header with "epoch"
// (counted from 0) then the first epoch's log keys sorted by name; one row per epoch, flushed as it
// is written, so a crashed run keeps every finished epoch; "NA" for a key an epoch did not log;
// numbers as Python prints them (0.5, 1.0, nan, inf); rows end in "\r\n"; a field containing the
// separator, a quote or a line break is quoted. With append, rows go to the end of an existing file
// and the header is written only if the file is empty (continuing a run); otherwise the file is
// replaced. When fit validates but the first epoch did not (validation_freq > 1), the "val_"
// columns are added up front, as Keras does; any other key that first appears later has no
// column and is reported once on stderr. A file that cannot be opened is a kx::Error when fit
// starts.
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kx::callbacks {

class CSVLogger : public Callback {
public:
    struct Options {
        std::string separator = ",";
        bool append = false;
    };

    explicit CSVLogger(std::string filename);
    CSVLogger(std::string filename, Options options);

    void on_train_begin(Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;
    void on_train_end(Logs& logs) override;

    const std::string& filename() const { return filename_; }
    const Options& options() const { return options_; }

private:
    std::string filename_;
    Options options_;
    // Shared, so that a CSVLogger can be copied into fit's callback list (streams cannot be copied);
    // it is opened by on_train_begin and closed by on_train_end.
    std::shared_ptr<std::ofstream> file_;
    std::optional<std::vector<std::string>> keys_;   // the columns after "epoch", fixed by the first epoch
    bool write_header_ = true;
    bool warned_ = false;

    void write_row(const std::vector<std::string>& fields);
};

}  // namespace kx::callbacks
