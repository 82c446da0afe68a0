#include "progbar.hpp"

#include <kerasxx/callbacks/progbar_logger.hpp>

#include <iostream>

namespace kx {

namespace {
std::vector<std::pair<std::string, double>> values_of(const Logs& logs) { return {logs.begin(), logs.end()}; }
}  // namespace

ProgbarLogger::ProgbarLogger() : ProgbarLogger(std::cout, detail::stdout_is_terminal()) {}
ProgbarLogger::ProgbarLogger(std::ostream& out, bool dynamic) : out_(&out), dynamic_(dynamic) {}
ProgbarLogger::ProgbarLogger(ProgbarLogger&&) noexcept = default;
ProgbarLogger::~ProgbarLogger() = default;

void ProgbarLogger::start_bar() {
    seen_ = 0;
    bar_ = std::make_unique<detail::Progbar>(params().steps > 0 ? params().steps : -1, params().verbose, *out_, dynamic_);
}

void ProgbarLogger::on_train_begin(Logs&) { in_fit_ = true; }

void ProgbarLogger::on_epoch_begin(int epoch, Logs&) {
    if (params().epochs > 1) *out_ << "Epoch " << epoch + 1 << '/' << params().epochs << '\n' << std::flush;
    start_bar();
}

void ProgbarLogger::on_train_batch_end(int batch, Logs& logs) {
    seen_ = batch + 1;
    bar_->update(seen_, values_of(logs), false);
}

void ProgbarLogger::on_epoch_end(int, Logs& logs) {
    bar_->update(seen_, values_of(logs), true);
}

// Validation inside fit shows no bar of its own (its results join the epoch's line).
void ProgbarLogger::on_test_begin(Logs&) {
    if (!in_fit_) start_bar();
}

void ProgbarLogger::on_test_batch_end(int batch, Logs& logs) {
    if (in_fit_) return;
    seen_ = batch + 1;
    bar_->update(seen_, values_of(logs), false);
}

void ProgbarLogger::on_test_end(Logs& logs) {
    if (!in_fit_) bar_->update(seen_, values_of(logs), true);
}

void ProgbarLogger::on_predict_begin(Logs&) { start_bar(); }

void ProgbarLogger::on_predict_batch_end(int batch, Logs&) {
    seen_ = batch + 1;
    bar_->update(seen_, {}, false);
}

void ProgbarLogger::on_predict_end(Logs&) { bar_->update(seen_, {}, true); }

}  // namespace kx
