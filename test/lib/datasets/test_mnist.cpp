#include "lib/datasets/idx_files.hpp"

#include <kerasxx/datasets.hpp>

#include <cstdlib>
#include <optional>

using namespace kx::datasets_test;
using Catch::Matchers::Contains;

namespace {

// n digit images whose pixel i is (first_pixel + i) mod 256, labels 9, 8, 7, ...
void write_digits(const TempDir& dir, const std::string& prefix, std::uint32_t n, unsigned char first_pixel) {
    Bytes pixels(std::size_t{n} * 28 * 28);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(first_pixel + i);
    Bytes ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<unsigned char>(9 - i % 10);
    dir.write(prefix + "-images-idx3-ubyte.gz", gzip(idx_file(0x08, {n, 28, 28}, pixels)));
    dir.write(prefix + "-labels-idx1-ubyte.gz", gzip(idx_file(0x08, {n}, ids)));
}

}  // namespace

TEST_CASE("mnist::load_data reads the four IDX files of an MNIST directory", "[dataset][datasets]") {
    TempDir dir;
    write_digits(dir, "train", 4, 3);
    write_digits(dir, "t10k", 2, 50);
    const auto [train, test] = kx::datasets::mnist::load_data(dir.str());
    CHECK(train.x.shape() == kx::Shape{4, 28, 28});
    CHECK(train.y.to_vector() == std::vector<float>{9, 8, 7, 6});
    CHECK(test.x.shape() == kx::Shape{2, 28, 28});
    CHECK(test.y.to_vector() == std::vector<float>{9, 8});
    // pixel (image 1, row 0, col 2) is flat index 784 + 2 = 786: (3 + 786) mod 256 = 21
    CHECK(train.x.at({1, 0, 2}) == 21.0f);
    CHECK(test.x.at({0, 0, 0}) == 50.0f);
    CHECK(test.x.at({1, 27, 27}) == static_cast<float>((50 + 2 * 784 - 1) % 256));
}

TEST_CASE("mnist::load_data takes its directory from KERASXX_MNIST_DIR", "[dataset][datasets]") {
    TempDir dir;
    write_digits(dir, "train", 1, 0);
    write_digits(dir, "t10k", 1, 0);
    ScopedEnv env("KERASXX_MNIST_DIR", dir.str());
    CHECK(kx::datasets::mnist::load_data().train.x.shape() == kx::Shape{1, 28, 28});
}

TEST_CASE("mnist::load_data names the missing file and where the data is expected", "[dataset][datasets]") {
    ScopedEnv env("KERASXX_MNIST_DIR", "");
    TempDir dir;
    write_digits(dir, "train", 1, 0);   // the t10k files are missing
    REQUIRE_THROWS_WITH(kx::datasets::mnist::load_data(dir.str()),
                        Contains("mnist::load_data: cannot find '" + (dir.path() / "t10k-images-idx3-ubyte.gz").string() +
                                 "' (directory from the directory argument)") &&
                            Contains("no Debian package ships MNIST") && Contains("/usr/share/datasets/mnist") &&
                            Contains("or set KERASXX_MNIST_DIR"));
    if (!std::filesystem::exists("/usr/share/datasets/mnist")) {
        REQUIRE_THROWS_WITH(kx::datasets::mnist::load_data(),
                            Contains("cannot find '/usr/share/datasets/mnist/t") &&
                                Contains("(directory from the default location)"));
    }
    // The checks shared with fashion_mnist apply, under mnist's name.
    dir.write("t10k-images-idx3-ubyte.gz", gzip(idx_file(0x08, {1, 28, 28}, Bytes(784))));
    dir.write("t10k-labels-idx1-ubyte.gz", gzip(idx_file(0x08, {1}, {10})));
    REQUIRE_THROWS_WITH(kx::datasets::mnist::load_data(dir.str()),
                        "mnist::load_data: '" + (dir.path() / "t10k-labels-idx1-ubyte.gz").string() +
                            "' has label 10 at index 0, expected a class id in 0..9");
}
