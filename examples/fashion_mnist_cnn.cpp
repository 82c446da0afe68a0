// Trains a small convolutional network on Fashion-MNIST and reports its test accuracy.
//
//   fashion_mnist_cnn [--epochs N] [--data DIR]
//
// Conv2D(32, 3, relu) -> MaxPooling2D -> Conv2D(64, 3, relu) -> MaxPooling2D -> Flatten ->
// Dropout(0.5) -> Dense(10), Adam(1e-3), batch 128. Data as in fashion_mnist_mlp.
#include "example_args.hpp"

#include <kerasxx/kerasxx.hpp>

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    const ExampleArgs args = parse_example_args(argc, argv);
    try {
        kx::utils::set_random_seed(42);
        auto [train, test] = kx::datasets::fashion_mnist::load_data(args.data_dir);

        kx::Sequential model({
            kx::layers::Input({28, 28}),
            kx::layers::Reshape({28, 28, 1}),   // one channel, channels_last
            kx::layers::Conv2D(32, 3, {.activation = "relu"}),
            kx::layers::MaxPooling2D(2),
            kx::layers::Conv2D(64, 3, {.activation = "relu"}),
            kx::layers::MaxPooling2D(2),
            kx::layers::Flatten(),
            kx::layers::Dropout(0.5),
            kx::layers::Dense(10),
        });
        model.summary();
        model.compile({.optimizer = kx::optimizers::Adam(1e-3),
                       .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                       .metrics = {"accuracy"}});
        train.x /= 255.0f;   // pixels to [0, 1], in place: no second copy of the data set
        test.x /= 255.0f;
        model.fit(train.x, train.y, {.epochs = args.epochs, .batch_size = 128});
        const kx::Logs result = model.evaluate(test.x, test.y, {.batch_size = 1000, .verbose = 0});
        std::printf("test_loss=%.4f\ntest_accuracy=%.4f\n", result.at("loss"), result.at("accuracy"));
    } catch (const kx::Error& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
