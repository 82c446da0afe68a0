// A small ResNet-style functional model with two inputs and two outputs, on Fashion-MNIST.
//
//   residual_multi_output [--epochs N] [--data DIR]
//
// Inputs:  "image"   (28, 28, 1) pixels in [0, 1];
//          "profile" (56,) the image's mean row and column intensities (a cheap second view).
// Outputs: "class"    which of the 10 articles (softmax);
//          "footwear" whether it is a sandal, sneaker or ankle boot (sigmoid).
// The image goes through a convolution, pooling and a residual block (two convolutions added back
// to their input), the profile through a Dense layer; the two are concatenated and feed both heads.
// The loss is class_loss + 0.5 * footwear_loss. Data as in fashion_mnist_mlp.
#include "example_args.hpp"

#include <kerasxx/kerasxx.hpp>

#include <cstdio>
#include <iostream>

namespace {
using namespace kx::layers;

// x + F(x), F = conv-relu-conv, then relu: the block of He et al. (2015), channels kept.
kx::SymbolicTensor residual_block(const kx::SymbolicTensor& x, std::size_t filters) {
    kx::SymbolicTensor y = Conv2D(filters, 3, {.padding = "same", .activation = "relu"})(x);
    y = Conv2D(filters, 3, {.padding = "same"})(y);
    return Activation("relu")(Add()({x, y}));
}

// (n, 28, 28) pixels -> (n, 56): each row's mean, then each column's mean.
kx::Tensor profiles(const kx::Tensor& images) {
    return kx::ops::concat({kx::ops::mean(images, {2}), kx::ops::mean(images, {1})}, 1);
}

// Sandal (5), sneaker (7) and ankle boot (9) are footwear.
kx::Tensor footwear(const kx::Tensor& labels) {
    kx::Tensor out = kx::Tensor::empty({labels.size(), 1});
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const int c = static_cast<int>(labels.data()[i]);
        out.data()[i] = c == 5 || c == 7 || c == 9 ? 1.0f : 0.0f;
    }
    return out;
}
}  // namespace

int main(int argc, char** argv) {
    const ExampleArgs args = parse_example_args(argc, argv, /*default_epochs=*/2);
    try {
        kx::utils::set_random_seed(42);
        auto [train, test] = kx::datasets::fashion_mnist::load_data(args.data_dir);
        const kx::Tensor x_train = train.x / 255.0f, x_test = test.x / 255.0f;

        auto image = kx::Input({28, 28, 1}, "image");
        auto profile = kx::Input({56}, "profile");
        auto x = Conv2D(16, 3, {.activation = "relu"})(image);   // (26, 26, 16)
        x = MaxPooling2D(2)(x);                                     // (13, 13, 16)
        x = residual_block(x, 16);
        x = MaxPooling2D(2)(x);                                     // (6, 6, 16)
        x = Flatten()(x);
        auto p = Dense(32, "relu")(profile);
        auto joined = Dense(64, "relu")(Concatenate()({x, p}));
        kx::Model model({image, profile},
                        {Dense(10, "softmax", "class")(joined), Dense(1, "sigmoid", "footwear")(joined)},
                        "resnet_two_heads");
        model.summary();
        model.compile({.optimizer = kx::optimizers::Adam(2e-3),
                       .loss = {{"class", "sparse_categorical_crossentropy"}, {"footwear", "binary_crossentropy"}},
                       .metrics = {{"class", {"accuracy"}}, {"footwear", {"accuracy"}}},
                       .loss_weights = {{"class", 1.0}, {"footwear", 0.5}}});

        const kx::Arrays inputs = {{"image", x_train.reshaped({x_train.shape()[0], 28, 28, 1})}, {"profile", profiles(x_train)}};
        const kx::Arrays targets = {{"class", train.y}, {"footwear", footwear(train.y)}};
        model.fit(inputs, targets, {.epochs = args.epochs, .batch_size = 128, .validation_split = 0.1f});

        const kx::Logs result = model.evaluate(
            {{"image", x_test.reshaped({x_test.shape()[0], 28, 28, 1})}, {"profile", profiles(x_test)}},
            {{"class", test.y}, {"footwear", footwear(test.y)}}, {.batch_size = 1000, .verbose = 0});
        std::printf("test_loss=%.4f\ntest_class_accuracy=%.4f\ntest_footwear_accuracy=%.4f\n", result.at("loss"),
                    result.at("class_accuracy"), result.at("footwear_accuracy"));
    } catch (const kx::Error& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
