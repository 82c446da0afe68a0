// Writes the fuzzer's seed corpus into the directory argv[1]: small valid .kx files (compiled and
// not, Sequential and functional, after a training step so the optimizer state is there), a
// weights-only file and a bare safetensors file, so that mutations start from every region.
#include "io/safetensors.hpp"

#include <kerasxx/kerasxx.hpp>

#include <iostream>
#include <span>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_seed_corpus <directory>\n";
        return 2;
    }
    const std::string dir = argv[1];
    kx::utils::set_random_seed(1);
    const kx::Tensor x = kx::Tensor({4, 2}, {0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.5f, 0.0f, 1.0f});
    const kx::Tensor y = kx::Tensor({4}, {0.0f, 1.0f, 2.0f, 1.0f});

    kx::Sequential plain({kx::layers::Input({2}), kx::layers::Dense(3, "relu"), kx::layers::Dense(3, "softmax")});
    plain.save(dir + "/sequential_uncompiled.kx");
    plain.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    plain.fit(x, y, {.epochs = 1, .batch_size = 4, .verbose = 0});
    plain.save(dir + "/sequential_adam.kx");
    plain.save_weights(dir + "/sequential.weights.kx");

    auto in = kx::Input({2}, "features");
    auto hidden = kx::layers::Dense(4, "tanh")(in);
    kx::Model graph({in}, {kx::layers::Dense(3, "softmax", "class")(hidden), kx::layers::Dense(1, "linear", "score")(hidden)});
    graph.compile({.optimizer = kx::optimizers::SGD({.learning_rate = 0.1, .momentum = 0.9}),
                   .loss = {{"class", "sparse_categorical_crossentropy"}, {"score", "mse"}}});
    graph.save(dir + "/functional_sgd.kx");

    const std::vector<float> values = {1.0f, 2.0f, 3.0f};
    kx::io::write_safetensors(dir + "/bare.safetensors",
                              {{"w", "F32", {3}, std::as_bytes(std::span(values))}}, {{"format", "pt"}});
    return 0;
}
