// fashion_mnist::load_data: Zalando's Fashion-MNIST, from the Debian package's directory.
#include "mnist_layout.hpp"

namespace kx::datasets::fashion_mnist {

TrainTestSplit load_data(const std::string& directory) {
    static constexpr detail::MnistLayoutSource source = {
        .name = "fashion_mnist",
        .env_variable = "KERASXX_FASHION_MNIST_DIR",
        .default_directory = "/usr/share/datasets/fashion-mnist",
        .how_to_get = "apt-get install dataset-fashion-mnist",
    };
    return detail::load_mnist_layout(source, directory);
}

}  // namespace kx::datasets::fashion_mnist
