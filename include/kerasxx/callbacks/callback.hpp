// kx::Callback: hooks into fit / evaluate / predict, with Keras' event set. Override what you need.
//
//   class PrintLoss : public kx::Callback {
//       void on_epoch_end(int epoch, kx::Logs& logs) override {
//           std::cout << "epoch " << epoch << " loss " << logs.at("loss") << '\n';
//           if (logs.at("loss") < 0.1) model().stop_training = true;
//       }
//   };
//   model.fit(x, y, {.epochs = 10, .callbacks = {PrintLoss()}});
//
// Epochs and batches are counted from 0, as in Keras. `logs` holds the running averages of the
// loss and metrics (and, at epoch end, the "val_" ones); callbacks may read and add entries.
#pragma once

#include <kerasxx/handle.hpp>

#include <string>
#include <utility>
#include <vector>

namespace kx {

class Model;

// Metric name -> value, in insertion order (loss first), like the logs dict Keras passes around.
class Logs {
public:
    Logs() = default;
    Logs(std::initializer_list<std::pair<std::string, double>> items) : items_(items) {}
    double& operator[](const std::string& key);
    double at(const std::string& key) const;     // kx::Error naming the available keys if missing
    bool contains(const std::string& key) const;
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }

private:
    std::vector<std::pair<std::string, double>> items_;
};

// What fit tells its callbacks (Keras' callback.params).
struct TrainingParams {
    int epochs = 1;
    int steps = 0;      // batches per epoch (evaluate/predict: batches in total)
    int verbose = 1;
    bool do_validation = false;   // fit validates (at least on some epochs)
};

class Callback {
public:
    virtual ~Callback() = default;

    virtual void on_train_begin(Logs&) {}
    virtual void on_train_end(Logs&) {}
    virtual void on_epoch_begin(int /*epoch*/, Logs&) {}
    virtual void on_epoch_end(int /*epoch*/, Logs&) {}
    virtual void on_train_batch_begin(int /*batch*/, Logs&) {}
    virtual void on_train_batch_end(int /*batch*/, Logs&) {}
    virtual void on_test_begin(Logs&) {}
    virtual void on_test_end(Logs&) {}
    virtual void on_test_batch_begin(int /*batch*/, Logs&) {}
    virtual void on_test_batch_end(int /*batch*/, Logs&) {}
    virtual void on_predict_begin(Logs&) {}
    virtual void on_predict_end(Logs&) {}
    virtual void on_predict_batch_begin(int /*batch*/, Logs&) {}
    virtual void on_predict_batch_end(int /*batch*/, Logs&) {}

    // Set by fit/evaluate/predict before the first event.
    void set_model(Model* model) { model_ = model; }
    virtual void set_params(const TrainingParams& params) { params_ = params; }
    Model& model() const;                       // kx::Error if not attached to a model yet
    const TrainingParams& params() const { return params_; }

private:
    Model* model_ = nullptr;
    TrainingParams params_;
};

using CallbackHandle = Handle<Callback>;

}  // namespace kx
