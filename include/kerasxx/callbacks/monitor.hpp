// kx::callbacks::MonitorCallback: the shared base of callbacks that watch one logged quantity
// (EarlyStopping; ReduceLROnPlateau and ModelCheckpoint's save_best_only work the same way).
//
//   class StopAtTarget : public kx::callbacks::MonitorCallback {
//   public:
//       StopAtTarget() : MonitorCallback("StopAtTarget", "val_accuracy", "auto", 0.9) {}
//       void on_epoch_end(int, kx::Logs& logs) override {
//           auto value = monitor_value(logs);
//           if (value && is_improvement(*value, baseline())) model().stop_training = true;
//       }
//   };
//
// mode "min" or "max" says which direction improves; "auto" takes "max" for accuracy-like names
// (after an optional "val_" prefix: ending in acc, accuracy, auc, precision, recall, f1 or
// f1_score) and "min" otherwise. Keras 3 asks the compiled metric for its direction and raises
// when it cannot tell; kerasxx decides from the name, so the direction is known before fit, and
// a name it does not know is minimised like a loss. An unknown mode is a kx::Error (Keras only
// warns and falls back to "auto", which silently ignores a typo).
// A value improves on a reference when it beats it by more than min_delta (stored as |min_delta|).
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <optional>
#include <string>

namespace kx::callbacks {

class MonitorCallback : public Callback {
public:
    // `owner` names the derived callback in messages ("EarlyStopping").
    MonitorCallback(std::string owner, std::string monitor, std::string mode = "auto",
                    std::optional<double> baseline = std::nullopt, double min_delta = 0.0);

    const std::string& monitor() const { return monitor_; }
    const std::string& mode() const { return mode_; }            // as given: "auto", "min" or "max"
    bool maximizes() const { return maximize_; }                  // the resolved direction
    double min_delta() const { return min_delta_; }
    std::optional<double> baseline() const { return baseline_; }

    // True when `value` beats `reference` by more than min_delta; always true without a reference.
    // NaN never improves.
    bool is_improvement(double value, std::optional<double> reference) const;

    void on_train_begin(Logs& logs) override;

protected:
    // logs[monitor], or nothing, with a warning on stderr (once per fit) naming the available keys.
    std::optional<double> monitor_value(const Logs& logs);
    const std::string& owner() const { return owner_; }

private:
    std::string owner_;
    std::string monitor_;
    std::string mode_;
    std::optional<double> baseline_;
    double min_delta_;
    bool maximize_;
    bool warned_missing_ = false;
};

}  // namespace kx::callbacks
