// fashion_mnist::load_data: the four IDX files of Fashion-MNIST, checked for consistency.
#include <kerasxx/datasets.hpp>
#include <kerasxx/error.hpp>

#include <cstdlib>
#include <filesystem>
#include <future>

namespace kx::datasets::fashion_mnist {
namespace {

namespace fs = std::filesystem;

constexpr const char* env_variable = "KERASXX_FASHION_MNIST_DIR";
constexpr const char* default_directory = "/usr/share/datasets/fashion-mnist";
constexpr std::size_t image_side = 28;
constexpr float num_classes = 10.0f;

struct Location {
    fs::path directory;
    std::string chosen_by;   // for error messages: where the directory came from
};

Location locate(const std::string& directory) {
    if (!directory.empty()) return {directory, "the directory argument"};
    const char* env = std::getenv(env_variable);
    if (env && *env) return {env, std::string("$") + env_variable};
    return {default_directory, "the default location"};
}

[[noreturn]] void fail(const std::string& message) {
    throw Error("fashion_mnist::load_data: " + message);
}

// name.gz as shipped, or name if someone unpacked it.
std::string find_file(const Location& where, const std::string& name) {
    const fs::path gz = where.directory / (name + ".gz");
    const fs::path plain = where.directory / name;
    std::error_code ec;
    if (fs::exists(gz, ec)) return gz.string();
    if (fs::exists(plain, ec)) return plain.string();
    fail("cannot find '" + gz.string() + "' (directory from " + where.chosen_by +
         "). To get the data: apt-get install dataset-fashion-mnist, or set " + env_variable +
         " to a directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
         "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz");
}

Split load_split(const Location& where, const std::string& prefix) {
    const std::string images_path = find_file(where, prefix + "-images-idx3-ubyte");
    const std::string labels_path = find_file(where, prefix + "-labels-idx1-ubyte");
    Split split{read_idx(images_path), read_idx(labels_path)};

    const Shape& images = split.x.shape();
    const Shape& labels = split.y.shape();
    if (images.size() != 3 || images[1] != image_side || images[2] != image_side)
        fail("'" + images_path + "' holds shape " + to_string(images) + ", expected images of shape (N, 28, 28)");
    if (labels.size() != 1)
        fail("'" + labels_path + "' holds shape " + to_string(labels) + ", expected labels of shape (N,)");
    if (images[0] != labels[0])
        fail("'" + images_path + "' holds " + std::to_string(images[0]) + " images but '" + labels_path +
             "' holds " + std::to_string(labels[0]) + " labels; they must match one to one");
    const float* y = split.y.data();
    for (std::size_t i = 0; i < labels[0]; ++i)
        if (!(y[i] >= 0.0f && y[i] < num_classes))
            fail("'" + labels_path + "' has label " + std::to_string(static_cast<long long>(y[i])) +
                 " at index " + std::to_string(i) + ", expected a class id in 0..9");
    return split;
}

}  // namespace

TrainTestSplit load_data(const std::string& directory) {
    const Location where = locate(directory);
    // The two splits decompress in parallel: inflate is single-threaded and dominates the load time.
    auto test = std::async(std::launch::async, [&] { return load_split(where, "t10k"); });
    Split train = load_split(where, "train");
    return {std::move(train), test.get()};
}

}  // namespace kx::datasets::fashion_mnist
