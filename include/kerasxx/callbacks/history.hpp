// kx::History: what fit() returns, every epoch's logs, as Keras' History.history.
//
//   kx::History h = model.fit(x, y, {.epochs = 5, .validation_split = 0.1});
//   double last_val_loss = h.history.at("val_loss").back();
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <map>
#include <string>
#include <vector>

namespace kx {

class History : public Callback {
public:
    std::map<std::string, std::vector<double>> history;
    std::vector<int> epoch;

    void on_train_begin(Logs&) override;
    void on_epoch_end(int epoch, Logs& logs) override;
};

}  // namespace kx
