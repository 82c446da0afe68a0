// mnist::load_data: LeCun et al.'s handwritten digits, in the same layout as Fashion-MNIST.
#include "mnist_layout.hpp"

namespace kx::datasets::mnist {

TrainTestSplit load_data(const std::string& directory) {
    static constexpr detail::MnistLayoutSource source = {
        .name = "mnist",
        .env_variable = "KERASXX_MNIST_DIR",
        .default_directory = "/usr/share/datasets/mnist",
        .how_to_get = "no Debian package ships MNIST: copy the four files of https://yann.lecun.com/exdb/mnist/ "
                      "into /usr/share/datasets/mnist",
    };
    return detail::load_mnist_layout(source, directory);
}

}  // namespace kx::datasets::mnist
