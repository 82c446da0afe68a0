#include <kerasxx/callbacks/history.hpp>

namespace kx {

void History::on_train_begin(Logs&) {
    history.clear();
    epoch.clear();
}

void History::on_epoch_end(int epoch_index, Logs& logs) {
    epoch.push_back(epoch_index);
    for (const auto& [name, value] : logs) history[name].push_back(value);
}

}  // namespace kx
