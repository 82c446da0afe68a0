#include <kerasxx/callbacks/model_checkpoint.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <fmt/args.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string_view>
#include <vector>

namespace kx::callbacks {

namespace {

// The argument names a template's fields use: "m-{epoch:02d}-{val_loss:.{p}f}" -> epoch, val_loss, p.
// Only the names are read here; fmt does the formatting.
std::vector<std::string> field_names(std::string_view pattern) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '{') continue;
        if (i + 1 < pattern.size() && pattern[i + 1] == '{') {   // "{{" is a literal brace
            ++i;
            continue;
        }
        const std::size_t end = std::min(pattern.find_first_of(":}", i + 1), pattern.size());
        names.emplace_back(pattern.substr(i + 1, end - i - 1));
    }
    return names;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

}  // namespace

ModelCheckpoint::ModelCheckpoint(std::string filepath) : ModelCheckpoint(std::move(filepath), Options{}) {}

ModelCheckpoint::ModelCheckpoint(std::string filepath, Options options)
    : MonitorCallback("ModelCheckpoint", options.monitor, options.mode, options.initial_value_threshold),
      filepath_(std::move(filepath)), options_(std::move(options)), best_(options_.initial_value_threshold) {
    if (const auto* freq = std::get_if<std::string>(&options_.save_freq)) {
        if (*freq != "epoch")
            throw Error("ModelCheckpoint: Unrecognized save_freq: \"" + *freq +
                        "\"; expected \"epoch\" or a positive number of batches");
    } else {
        save_every_batches_ = std::get<int>(options_.save_freq);
        if (save_every_batches_ <= 0)
            throw Error("ModelCheckpoint: expected save_freq \"epoch\" or a positive number of batches, got save_freq=" +
                        std::to_string(save_every_batches_));
    }
    if (!filepath_.ends_with(".kx"))
        throw Error("ModelCheckpoint: the filepath must end in \".kx\" (kerasxx's model file); received filepath=\"" +
                    filepath_ + "\"");
    // Check the template now, with stand-in values of the right types, rather than after the first epoch.
    fmt::dynamic_format_arg_store<fmt::format_context> probe;
    for (const std::string& name : field_names(filepath_)) {
        if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
            throw Error("ModelCheckpoint: filepath fields must be named, like {epoch:02d} or {val_loss:.4f}; received "
                        "filepath=\"" + filepath_ + "\"");
        if (name == "epoch" || name == "batch")
            probe.push_back(fmt::arg(name.c_str(), 1));
        else
            probe.push_back(fmt::arg(name.c_str(), 0.0));
    }
    try {
        (void)fmt::vformat(filepath_, probe);
    } catch (const fmt::format_error& e) {
        throw Error("ModelCheckpoint: filepath \"" + filepath_ + "\" is not a valid template (" + e.what() +
                    "); {epoch} and {batch} are integers, log values are floats");
    }
}

std::string ModelCheckpoint::format_filepath(int epoch, std::optional<int> batch, const Logs& logs) const {
    // Keras: filepath.format(epoch=epoch + 1, batch=batch + 1, **logs), batch only for batch-level saves.
    fmt::dynamic_format_arg_store<fmt::format_context> args;
    std::vector<std::string> available{"epoch"};
    args.push_back(fmt::arg("epoch", epoch + 1));
    if (batch) {
        args.push_back(fmt::arg("batch", *batch + 1));
        available.emplace_back("batch");
    }
    for (const auto& [name, value] : logs) {
        if (std::find(available.begin(), available.end(), name) != available.end()) continue;
        args.push_back(fmt::arg(name.c_str(), value));   // the store copies the name
        available.push_back(name);
    }
    for (const std::string& name : field_names(filepath_))
        if (std::find(available.begin(), available.end(), name) == available.end())
            throw Error("ModelCheckpoint: filepath \"" + filepath_ + "\" names '" + name +
                        "', which is not in the logs; available: " + join(available));
    try {
        return fmt::vformat(filepath_, args);
    } catch (const fmt::format_error& e) {
        throw Error("ModelCheckpoint: cannot format filepath \"" + filepath_ + "\": " + e.what());
    }
}

void ModelCheckpoint::on_epoch_begin(int epoch, Logs&) { current_epoch_ = epoch; }

void ModelCheckpoint::on_train_batch_end(int batch, Logs& logs) {
    if (save_every_batches_ == 0 || ++batches_since_save_ < save_every_batches_) return;
    batches_since_save_ = 0;
    save(current_epoch_, batch, logs);
}

void ModelCheckpoint::on_epoch_end(int epoch, Logs& logs) {
    if (save_every_batches_ == 0) save(epoch, std::nullopt, logs);
}

void ModelCheckpoint::save(int epoch, std::optional<int> batch, const Logs& logs) {
    const std::string path = format_filepath(epoch, batch, logs);
    if (options_.save_best_only) {
        const std::optional<double> current = monitor_value(logs);
        if (!current) return;
        const double shown_best = best_.value_or(maximizes() ? -std::numeric_limits<double>::infinity()
                                                             : std::numeric_limits<double>::infinity());
        if (!is_improvement(*current, best_)) {
            if (options_.verbose > 0)
                std::cout << fmt::format("\nEpoch {}: {} did not improve from {:.5f}\n", epoch + 1, monitor(), shown_best);
            return;
        }
        if (options_.verbose > 0)
            std::cout << fmt::format("\nEpoch {}: {} improved from {:.5f} to {:.5f}, saving model to {}\n", epoch + 1,
                                     monitor(), shown_best, *current, path);
        best_ = current;
    } else if (options_.verbose > 0) {
        std::cout << fmt::format("\nEpoch {}: saving model to {}\n", epoch + 1, path);
    }
    const std::filesystem::path target(path);
    if (std::filesystem::is_directory(target))
        throw Error("ModelCheckpoint: filepath \"" + path + "\" is an existing directory; give a file path such as \"" +
                    (target / "model.kx").string() + "\"");
    if (target.has_parent_path()) {
        std::error_code error;
        std::filesystem::create_directories(target.parent_path(), error);
        if (error)
            throw Error("ModelCheckpoint: cannot create the directory \"" + target.parent_path().string() + "\" for \"" +
                        path + "\": " + error.message());
    }
    if (options_.save_weights_only)
        model().save_weights(path);
    else
        model().save(path);
}

}  // namespace kx::callbacks
