#include <kerasxx/callbacks/terminate_on_nan.hpp>
#include <kerasxx/model.hpp>

#include <cmath>
#include <iostream>

namespace kx::callbacks {

void TerminateOnNaN::on_train_batch_end(int batch, Logs& logs) {
    if (!logs.contains("loss")) return;
    if (std::isfinite(logs.at("loss"))) return;
    std::cout << "Batch " << batch << ": Invalid loss, terminating training\n";
    model().stop_training = true;
}

}  // namespace kx::callbacks
