#include "fit_state.hpp"
#include "io/model_file.hpp"
#include "random_engine.hpp"

#include <kerasxx/callbacks/backup_and_restore.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

namespace kx::callbacks {

namespace {
const char* const order_key = "backup/order";
const char* const layer_random_key = "backup/layer_random_states";

std::vector<std::uint64_t> layer_random_states(const Model& model) {
    std::vector<std::uint64_t> states;
    io::for_each_layer(model, [&](const std::string&, Layer& layer) { states.push_back(layer.random_state()); });
    return states;
}

int int_of(const io::SafetensorsFile& file, const std::string& key) {
    const std::string& text = file.meta(key);
    std::size_t used = 0;
    int value = -1;
    try {
        value = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || value < 0)
        throw Error(file.source + ": BackupAndRestore expected a non-negative integer for '" + key + "', got '" + text.substr(0, 40) + "'");
    return value;
}
}  // namespace

BackupAndRestore::BackupAndRestore(std::string backup_dir) : BackupAndRestore(std::move(backup_dir), Options{}) {}

BackupAndRestore::BackupAndRestore(std::string backup_dir, Options options)
    : backup_dir_(std::move(backup_dir)), delete_checkpoint_(options.delete_checkpoint) {
    if (backup_dir_.empty()) throw Error("BackupAndRestore: expected a backup_dir, got an empty path");
    if (const int* batches = std::get_if<int>(&options.save_freq)) {
        if (*batches <= 0)
            throw Error("BackupAndRestore: expected save_freq \"epoch\" or a number of batches > 0, got " + std::to_string(*batches));
        every_batches_ = *batches;
    } else if (std::get<std::string>(options.save_freq) != "epoch") {
        throw Error("BackupAndRestore: expected save_freq \"epoch\" or a number of batches > 0, got \"" +
                    std::get<std::string>(options.save_freq) + "\"");
    }
}

std::string BackupAndRestore::backup_path() const { return (std::filesystem::path(backup_dir_) / "backup.kx").string(); }

void BackupAndRestore::on_train_begin(Logs&) {
    batches_since_save_ = 0;
    detail::FitState* state = model().fit_state();
    if (!state) throw Error("BackupAndRestore: works inside fit() only");
    std::error_code error;
    std::filesystem::create_directories(backup_dir_, error);
    if (error) throw Error("BackupAndRestore: cannot create the backup_dir '" + backup_dir_ + "': " + error.message());
    if (!std::filesystem::exists(backup_path())) return;

    const io::SafetensorsFile file = io::read_safetensors(backup_path());
    const int epoch = int_of(file, "backup_epoch"), steps_done = int_of(file, "backup_steps_done");
    const io::TensorRecord& order = file.tensor(order_key);
    if (order.dtype != "U64" || order.shape.size() != 1 || order.shape[0] != state->order.size())
        throw Error(file.source + ": BackupAndRestore's backup is of a fit over " +
                    (order.shape.size() == 1 ? std::to_string(order.shape[0]) : std::string("?")) + " training samples, this fit has " +
                    std::to_string(state->order.size()) + "; delete the backup to start over");
    if (steps_done > state->steps)
        throw Error(file.source + ": BackupAndRestore's backup is " + std::to_string(steps_done) + " batches into an epoch, this fit has " +
                    std::to_string(state->steps) + " batches per epoch; delete the backup to start over");
    std::vector<std::size_t> restored(state->order.size());
    if (!restored.empty())   // a Dataset fit keeps no order: memcpy may not take its null pointers
        std::memcpy(restored.data(), order.data.data(), order.data.size());
    for (std::size_t i : restored)
        if (i >= restored.size()) throw Error(file.source + ": BackupAndRestore's sample order holds index " + std::to_string(i) + ", out of range");
    const io::TensorRecord& layer_states = file.tensor(layer_random_key);
    const std::size_t layer_count = layer_random_states(model()).size();
    if (layer_states.dtype != "U64" || layer_states.shape != std::vector<std::uint64_t>{layer_count})
        throw Error(file.source + ": BackupAndRestore's layer random states do not fit this model's " + std::to_string(layer_count) + " layers");
    std::mt19937_64 engine;
    std::istringstream random_state(file.meta("backup_random_state"));
    if (!(random_state >> engine)) throw Error(file.source + ": BackupAndRestore's random_state is not a generator state");
    // Everything read and checked: now change the model.
    io::restore_model_state(model(), file, true);
    detail::random_engine() = engine;
    std::size_t next = 0;
    io::for_each_layer(model(), [&](const std::string&, Layer& layer) {
        std::uint64_t state = 0;
        std::memcpy(&state, layer_states.data.data() + sizeof state * next++, sizeof state);
        layer.set_random_state(state);
    });
    state->epoch = epoch;
    state->steps_done = steps_done;
    state->order = std::move(restored);
    state->resume = true;
}

void BackupAndRestore::save() const {
    const detail::FitState& state = *model().fit_state();
    std::ostringstream random_state;
    random_state << detail::random_engine();
    static_assert(sizeof(std::size_t) == sizeof(std::uint64_t));
    io::ExtraContent extra;
    extra.metadata = {{"backup_epoch", std::to_string(state.epoch)},
                      {"backup_steps_done", std::to_string(state.steps_done)},
                      {"backup_random_state", random_state.str()}};
    extra.tensors.push_back({order_key, "U64", {state.order.size()},
                             {reinterpret_cast<const std::byte*>(state.order.data()), state.order.size() * sizeof(std::size_t)}});
    const std::vector<std::uint64_t> layer_states = layer_random_states(model());
    extra.tensors.push_back({layer_random_key, "U64", {layer_states.size()},
                             {reinterpret_cast<const std::byte*>(layer_states.data()), layer_states.size() * sizeof(std::uint64_t)}});
    io::write_model_file(model(), backup_path(), io::FileContent::model, extra);
}

void BackupAndRestore::on_train_batch_end(int, Logs&) {
    if (every_batches_ == 0 || ++batches_since_save_ < every_batches_) return;
    batches_since_save_ = 0;
    save();
}

void BackupAndRestore::on_epoch_end(int, Logs&) {
    if (every_batches_ == 0) save();
}

void BackupAndRestore::on_train_end(Logs&) {
    std::error_code error;   // a backup already gone is fine
    if (delete_checkpoint_) std::filesystem::remove(backup_path(), error);
}

}  // namespace kx::callbacks
