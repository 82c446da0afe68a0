// kx::datasets: ready-to-train data sets, and the IDX file reader they are built on.
//
//   auto [train, test] = kx::datasets::fashion_mnist::load_data();
//   kx::Tensor x = train.x / 255.0f;   // (60000, 28, 28) pixels 0..255, scaled as in Keras
//   kx::Tensor y = train.y;            // (60000,) class ids 0..9
//   std::cout << kx::datasets::fashion_mnist::class_names[static_cast<int>(y.at({0}))];  // Ankle boot
//
//   kx::Tensor t = kx::datasets::read_idx("t10k-labels-idx1-ubyte.gz");   // any IDX file, gzipped or not
//
// Tensors are float32, so where Keras returns uint8 images and labels we return their values as floats.
#pragma once

#include <kerasxx/tensor.hpp>

#include <array>
#include <string>
#include <string_view>

namespace kx::datasets {

// One split of a labelled data set: x[i] is a sample, y[i] its label.
struct Split {
    Tensor x;
    Tensor y;
};

// What load_data() returns: `auto [train, test] = load_data();`.
struct TrainTestSplit {
    Split train;
    Split test;
};

// Reads an IDX file (the MNIST format: big-endian header, then row-major data) into a tensor of the
// declared shape. Gzipped files (detected by content, not by name) are decompressed on the fly. All
// six IDX types (ubyte, byte, short, int, float, double) are converted to float32; int values beyond
// 2^24 lose precision. The header is validated before anything is allocated, and a file whose data
// is shorter or longer than its header declares is an error.
Tensor read_idx(const std::string& path);

namespace fashion_mnist {

// Zalando's Fashion-MNIST: 60,000 training and 10,000 test grayscale 28x28 images of 10 clothing
// classes. Read from `directory`, else from $KERASXX_FASHION_MNIST_DIR, else from
// /usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist). The directory
// holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
// t10k-labels-idx1-ubyte.gz (or the same names without .gz).
TrainTestSplit load_data(const std::string& directory = "");

// The label of class id i, as in the Keras documentation.
inline constexpr std::array<std::string_view, 10> class_names = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

}  // namespace fashion_mnist

}  // namespace kx::datasets
