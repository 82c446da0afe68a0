// kx::ProgbarLogger: prints Keras' progress bar during fit/evaluate/predict. fit() adds one by
// itself when verbose is 1 or 2; you rarely create it yourself.
//
//   Epoch 1/5
//   469/469 [==============================] - 3s 6ms/step - loss: 0.4513 - accuracy: 0.8402
//
// On a terminal the bar redraws in place; otherwise each epoch prints one finished line.
#pragma once

#include <kerasxx/callbacks/callback.hpp>

#include <iosfwd>
#include <memory>

namespace kx {

namespace detail {
class Progbar;
}

class ProgbarLogger : public Callback {
public:
    ProgbarLogger();   // writes to std::cout
    explicit ProgbarLogger(std::ostream& out, bool dynamic);
    ProgbarLogger(ProgbarLogger&&) noexcept;
    ~ProgbarLogger() override;

    void on_train_begin(Logs&) override;
    void on_epoch_begin(int epoch, Logs&) override;
    void on_train_batch_end(int batch, Logs& logs) override;
    void on_epoch_end(int epoch, Logs& logs) override;
    void on_test_begin(Logs&) override;
    void on_test_batch_end(int batch, Logs& logs) override;
    void on_test_end(Logs& logs) override;
    void on_predict_begin(Logs&) override;
    void on_predict_batch_end(int batch, Logs& logs) override;
    void on_predict_end(Logs& logs) override;

private:
    void start_bar();
    std::ostream* out_;
    bool dynamic_;
    bool in_fit_ = false;
    int seen_ = 0;
    std::unique_ptr<detail::Progbar> bar_;
};

}  // namespace kx
