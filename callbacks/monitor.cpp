#include <kerasxx/callbacks/monitor.hpp>
#include <kerasxx/error.hpp>

#include <array>
#include <cmath>
#include <iostream>
#include <string_view>

namespace kx::callbacks {

namespace {

// The names Keras' built-in metrics with direction "up" end with.
bool is_accuracy_like(std::string_view name) {
    if (name.starts_with("val_")) name.remove_prefix(4);
    constexpr std::array<std::string_view, 7> suffixes = {"acc", "accuracy", "auc", "precision", "recall", "f1", "f1_score"};
    for (std::string_view suffix : suffixes)
        if (name.ends_with(suffix)) return true;
    return false;
}

bool resolve_maximize(const std::string& owner, const std::string& monitor, const std::string& mode) {
    if (mode == "min") return false;
    if (mode == "max") return true;
    if (mode == "auto") return is_accuracy_like(monitor);
    throw Error(owner + ": mode must be one of \"auto\", \"min\", \"max\"; received mode=\"" + mode + "\"");
}

}  // namespace

MonitorCallback::MonitorCallback(std::string owner, std::string monitor, std::string mode,
                                 std::optional<double> baseline, double min_delta)
    : owner_(std::move(owner)), monitor_(std::move(monitor)), mode_(std::move(mode)), baseline_(baseline),
      min_delta_(std::abs(min_delta)), maximize_(resolve_maximize(owner_, monitor_, mode_)) {
    if (monitor_.empty()) throw Error(owner_ + ": monitor must name a logged quantity such as \"val_loss\"; received an empty string");
}

bool MonitorCallback::is_improvement(double value, std::optional<double> reference) const {
    if (!reference) return !std::isnan(value);
    return maximize_ ? value - min_delta_ > *reference : value + min_delta_ < *reference;
}

void MonitorCallback::on_train_begin(Logs&) { warned_missing_ = false; }

std::optional<double> MonitorCallback::monitor_value(const Logs& logs) {
    if (logs.contains(monitor_)) return logs.at(monitor_);
    if (!warned_missing_) {
        std::string available;
        for (const auto& [name, value] : logs) available += (available.empty() ? "" : ",") + name;
        std::cerr << owner_ << " conditioned on metric `" << monitor_
                  << "` which is not available. Available metrics are: " << available << '\n';
        warned_missing_ = true;
    }
    return std::nullopt;
}

}  // namespace kx::callbacks
