// kx::callbacks::TerminateOnNaN: stops fit after the batch whose loss is NaN or infinite.
//
//   model.fit(x, y, {.epochs = 10, .callbacks = {kx::callbacks::TerminateOnNaN()}});
//
// As in Keras, it prints "Batch N: Invalid loss, terminating training" and sets
// model().stop_training; fit returns normally, with the history up to that point.
#pragma once

#include <kerasxx/callbacks/callback.hpp>

namespace kx::callbacks {

class TerminateOnNaN : public Callback {
public:
    void on_train_batch_end(int batch, Logs& logs) override;
};

}  // namespace kx::callbacks
