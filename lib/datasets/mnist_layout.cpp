// load_mnist_layout: the four IDX files of an MNIST-like data set, checked for consistency.
#include "mnist_layout.hpp"

#include <kerasxx/error.hpp>

#include <cstdlib>
#include <filesystem>
#include <future>

namespace kx::datasets::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t image_side = 28;
constexpr float num_classes = 10.0f;

struct Location {
    fs::path directory;
    std::string chosen_by;   // for error messages: where the directory came from
};

class Loader {
public:
    Loader(const MnistLayoutSource& source, const std::string& directory) : source_(source) {
        if (!directory.empty()) {
            where_ = {directory, "the directory argument"};
        } else if (const char* env = std::getenv(source.env_variable); env && *env) {
            where_ = {env, std::string("$") + source.env_variable};
        } else {
            where_ = {source.default_directory, "the default location"};
        }
    }

    Split load_split(const std::string& prefix) const {
        const std::string images_path = find_file(prefix + "-images-idx3-ubyte");
        const std::string labels_path = find_file(prefix + "-labels-idx1-ubyte");
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

private:
    [[noreturn]] void fail(const std::string& message) const {
        throw Error(std::string(source_.name) + "::load_data: " + message);
    }

    // name.gz as shipped, or name if someone unpacked it.
    std::string find_file(const std::string& name) const {
        const fs::path gz = where_.directory / (name + ".gz");
        const fs::path plain = where_.directory / name;
        std::error_code ec;
        if (fs::exists(gz, ec)) return gz.string();
        if (fs::exists(plain, ec)) return plain.string();
        fail("cannot find '" + gz.string() + "' (directory from " + where_.chosen_by + "). To get the data: " +
             source_.how_to_get + ", or set " + source_.env_variable +
             " to a directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
             "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz");
    }

    const MnistLayoutSource& source_;
    Location where_;
};

}  // namespace

TrainTestSplit load_mnist_layout(const MnistLayoutSource& source, const std::string& directory) {
    const Loader loader(source, directory);
    // The two splits decompress in parallel: inflate is single-threaded and dominates the load time.
    auto test = std::async(std::launch::async, [&] { return loader.load_split("t10k"); });
    Split train = loader.load_split("train");
    return {std::move(train), test.get()};
}

}  // namespace kx::datasets::detail
