#include <kerasxx/callbacks/lambda_callback.hpp>

namespace kx::callbacks {

void LambdaCallback::on_epoch_begin(int epoch, Logs& logs) {
    if (options_.on_epoch_begin) options_.on_epoch_begin(epoch, logs);
}

void LambdaCallback::on_epoch_end(int epoch, Logs& logs) {
    if (options_.on_epoch_end) options_.on_epoch_end(epoch, logs);
}

void LambdaCallback::on_train_begin(Logs& logs) {
    if (options_.on_train_begin) options_.on_train_begin(logs);
}

void LambdaCallback::on_train_end(Logs& logs) {
    if (options_.on_train_end) options_.on_train_end(logs);
}

void LambdaCallback::on_train_batch_begin(int batch, Logs& logs) {
    if (options_.on_train_batch_begin) options_.on_train_batch_begin(batch, logs);
}

void LambdaCallback::on_train_batch_end(int batch, Logs& logs) {
    if (options_.on_train_batch_end) options_.on_train_batch_end(batch, logs);
}

}  // namespace kx::callbacks
