// Trains a multilayer perceptron on Fashion-MNIST and reports its test accuracy.
//
//   fashion_mnist_mlp [--epochs N] [--data DIR]
//
// Data: the Debian package dataset-fashion-mnist (or KERASXX_FASHION_MNIST_DIR, or --data).
#include <kerasxx/kerasxx.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    int epochs = 5;
    std::string data_dir;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--epochs" && i + 1 < argc) epochs = std::stoi(argv[++i]);
        else if (arg == "--data" && i + 1 < argc) data_dir = argv[++i];
        else {
            std::cerr << "usage: " << argv[0] << " [--epochs N] [--data DIR]\n";
            return 2;
        }
    }
    try {
        kx::utils::set_random_seed(42);
        auto [train, test] = kx::datasets::fashion_mnist::load_data(data_dir);

        kx::Sequential model({
            kx::layers::Input({28, 28}),
            kx::layers::Flatten(),
            kx::layers::Dense(256, "relu"),
            kx::layers::Dense(128, "relu"),
            kx::layers::Dense(10),
        });
        model.summary();
        model.compile({.optimizer = kx::optimizers::Adam(1e-3),
                       .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                       .metrics = {"accuracy"}});
        model.fit(train.x / 255.0f, train.y, {.epochs = epochs, .batch_size = 128});
        const kx::Logs result = model.evaluate(test.x / 255.0f, test.y, {.batch_size = 1000, .verbose = 0});
        std::printf("test_loss=%.4f\ntest_accuracy=%.4f\n", result.at("loss"), result.at("accuracy"));
    } catch (const kx::Error& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
