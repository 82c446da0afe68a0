// W1: trains the Fashion-MNIST example's MLP (784-256-128-10, Adam 1e-3, batch 128) for one epoch
// through model.fit and prints one JSON line with samples/s — the same protocol as
// ../shared/peers/torch_mlp.py: 20 warm-up batches on a throw-away model, then a fresh model, and
// throughput = 60000 / wall time of epoch 1 (shuffle and batch gathering included).
//
//   mlp_train [--epochs N]     (bench/run.sh mlp_train runs it beside the peers)
#include "epoch_timer.hpp"
#include "mlp_model.hpp"

#include <kerasxx/kerasxx.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    const int epochs = argc > 2 && std::string(argv[1]) == "--epochs" ? std::stoi(argv[2]) : 1;
    kx::utils::set_random_seed(0);
    auto [train, test] = kx::datasets::fashion_mnist::load_data();
    kx::Tensor& x = train.x /= 255.0f;   // in place: one copy of the data set in memory

    kx::Sequential warmup = compiled_mlp_model();
    warmup.fit(kx::ops::slice(x, 0, 0, 20 * 128), kx::ops::slice(train.y, 0, 0, 20 * 128), {.batch_size = 128, .verbose = 0});

    kx::Sequential model = compiled_mlp_model();
    auto timer = std::make_shared<EpochTimer>();
    model.fit(x, train.y, {.epochs = epochs, .batch_size = 128, .verbose = 0, .callbacks = {timer}});
    const double accuracy = model.evaluate(test.x /= 255.0f, test.y, {.batch_size = 1000, .verbose = 0}).at("accuracy");

    std::string epoch_s;
    for (double s : timer->seconds) epoch_s += (epoch_s.empty() ? "" : ", ") + std::to_string(s);
    std::printf("{\"peer\": \"kerasxx\", \"w1\": {\"epochs\": %d, \"epoch_s\": [%s], \"epoch1_samples_per_s\": %.1f, "
                "\"test_acc\": %.4f}}\n",
                epochs, epoch_s.c_str(), 60000.0 / timer->seconds.front(), accuracy);
}
