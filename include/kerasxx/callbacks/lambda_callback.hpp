// kx::callbacks::LambdaCallback: a callback made of functions, for quick one-offs.
//
//   std::vector<double> losses;
//   kx::callbacks::LambdaCallback log_loss({
//       .on_epoch_end = [&](int, kx::Logs& logs) { losses.push_back(logs.at("loss")); }});
//   model.fit(x, y, {.epochs = 5, .callbacks = {log_loss}});
//
// Keras 3's arguments in its order. Keras 2 called the batch hooks on_batch_begin/on_batch_end;
// Keras 3 and kerasxx call them on_train_batch_begin/on_train_batch_end. Unset functions do nothing.
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <functional>

namespace kx::callbacks {

class LambdaCallback : public Callback {
public:
    using EpochFunction = std::function<void(int epoch, Logs& logs)>;
    using BatchFunction = std::function<void(int batch, Logs& logs)>;
    using TrainFunction = std::function<void(Logs& logs)>;

    struct Options {
        EpochFunction on_epoch_begin = {};
        EpochFunction on_epoch_end = {};
        TrainFunction on_train_begin = {};
        TrainFunction on_train_end = {};
        BatchFunction on_train_batch_begin = {};
        BatchFunction on_train_batch_end = {};
    };

    explicit LambdaCallback(Options options) : options_(std::move(options)) {}

    void on_epoch_begin(int epoch, Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;
    void on_train_begin(Logs& logs) override;
    void on_train_end(Logs& logs) override;
    void on_train_batch_begin(int batch, Logs& logs) override;
    void on_train_batch_end(int batch, Logs& logs) override;

private:
    Options options_;
};

}  // namespace kx::callbacks
