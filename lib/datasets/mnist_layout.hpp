// Internal: the loader shared by the data sets laid out like MNIST (Fashion-MNIST, MNIST): four IDX
// files, train/t10k images (N, 28, 28) and labels (N,) with class ids 0..9, in one directory.
#pragma once

#include <kerasxx/datasets.hpp>

#include <string>

namespace kx::datasets::detail {

// Where one data set lives and how a user gets it; every field is used in error messages.
struct MnistLayoutSource {
    const char* name;                // "fashion_mnist": errors start with "fashion_mnist::load_data: "
    const char* env_variable;        // the directory when no argument is given
    const char* default_directory;   // ... and when the variable is unset too
    const char* how_to_get;          // "apt-get install dataset-fashion-mnist"
};

// Reads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte (each .gz or unpacked) from `directory`, else $env_variable, else
// default_directory, and checks shapes, counts and labels.
TrainTestSplit load_mnist_layout(const MnistLayoutSource& source, const std::string& directory);

}  // namespace kx::datasets::detail
