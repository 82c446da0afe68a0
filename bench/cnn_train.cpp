// W2: trains the Fashion-MNIST CNN example's model (Conv 32 3x3 relu -> MaxPool 2 -> Conv 64 3x3 relu
// -> MaxPool 2 -> Flatten -> Dropout 0.5 -> Dense 10; Adam 1e-3, batch 128) through model.fit and
// prints one JSON line with samples/s — the protocol of ../shared/peers/torch_cnn.py --model example:
// 10 warm-up batches on a throw-away model, then 100 timed batches on a fresh model.
//
//   cnn_train      (bench/run.sh cnn_train runs it beside the peers)
#include "epoch_timer.hpp"

#include <kerasxx/kerasxx.hpp>

#include <cstdio>

namespace {
kx::Sequential make_model() {
    kx::Sequential model({
        kx::layers::Input({28, 28}),
        kx::layers::Reshape({28, 28, 1}),
        kx::layers::Conv2D(32, 3, {.activation = "relu"}),
        kx::layers::MaxPooling2D(2),
        kx::layers::Conv2D(64, 3, {.activation = "relu"}),
        kx::layers::MaxPooling2D(2),
        kx::layers::Flatten(),
        kx::layers::Dropout(0.5),
        kx::layers::Dense(10),
    });
    model.compile({.optimizer = kx::optimizers::Adam(1e-3),
                   .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    return model;
}
}  // namespace

int main() {
    constexpr int batch = 128, warmup_batches = 10, timed_batches = 100;
    kx::utils::set_random_seed(0);
    auto [train, test] = kx::datasets::fashion_mnist::load_data();
    kx::Tensor& x = train.x /= 255.0f;   // in place: one copy of the data set in memory

    kx::Sequential warmup = make_model();
    warmup.fit(x, train.y, {.batch_size = batch, .verbose = 0, .steps_per_epoch = warmup_batches});

    kx::Sequential model = make_model();
    auto timer = std::make_shared<EpochTimer>();
    model.fit(x, train.y, {.batch_size = batch, .verbose = 0, .steps_per_epoch = timed_batches, .callbacks = {timer}});
    std::printf("{\"peer\": \"kerasxx\", \"w2\": {\"timed_batches\": %d, \"seconds\": %.4f, \"samples_per_s\": %.1f}}\n",
                timed_batches, timer->seconds.front(), timed_batches * batch / timer->seconds.front());
}
