#include "lib/datasets/idx_files.hpp"

#include <kerasxx/datasets.hpp>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <optional>

using namespace kx::datasets_test;
using Catch::Matchers::Contains;

namespace {

Bytes images(std::uint32_t n, unsigned char first_pixel) {
    Bytes pixels(std::size_t{n} * 28 * 28);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(first_pixel + i);
    return idx_file(0x08, {n, 28, 28}, pixels);
}

Bytes labels(std::uint32_t n) {
    Bytes ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<unsigned char>(i % 10);
    return idx_file(0x08, {n}, ids);
}

// A miniature Fashion-MNIST: 3 training and 2 test images, gzipped like the Debian package.
void write_small_set(const TempDir& dir, unsigned char first_pixel) {
    dir.write("train-images-idx3-ubyte.gz", gzip(images(3, first_pixel)));
    dir.write("train-labels-idx1-ubyte.gz", gzip(labels(3)));
    dir.write("t10k-images-idx3-ubyte.gz", gzip(images(2, first_pixel)));
    dir.write("t10k-labels-idx1-ubyte.gz", gzip(labels(2)));
}

}  // namespace

TEST_CASE("fashion_mnist::load_data reads the Debian package's 60,000 + 10,000 images", "[datasets]") {
    auto [train, test] = kx::datasets::fashion_mnist::load_data();

    REQUIRE(train.x.shape() == kx::Shape{60000, 28, 28});
    REQUIRE(train.y.shape() == kx::Shape{60000});
    REQUIRE(test.x.shape() == kx::Shape{10000, 28, 28});
    REQUIRE(test.y.shape() == kx::Shape{10000});

    // Reference values from Python: gzip.open(...).read(), then counts and sums over the raw bytes.
    const std::vector<float> y = train.y.to_vector();
    CHECK(std::vector<float>(y.begin(), y.begin() + 10) == std::vector<float>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
    std::vector<int> per_class(10, 0);
    for (float label : y)
        if (label >= 0.0f && label <= 9.0f) ++per_class[static_cast<std::size_t>(label)];
    CHECK(per_class == std::vector<int>(10, 6000));   // also proves every label is in 0..9
    const std::vector<float> y_test = test.y.to_vector();
    CHECK(std::vector<float>(y_test.begin(), y_test.begin() + 10) == std::vector<float>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});

    // Raw pixel values 0..255, as Keras returns them (users divide by 255).
    const float* x = train.x.data();
    CHECK(std::vector<float>(x + 10 * 28 + 10, x + 10 * 28 + 20) ==
          std::vector<float>{0, 0, 0, 193, 228, 218, 213, 198, 180, 212});
    CHECK(std::accumulate(x, x + 28 * 28, 0.0) == 76247.0);
    CHECK(std::accumulate(x, x + train.x.size(), 0.0) == 3431114169.0);
    CHECK(std::accumulate(test.x.data(), test.x.data() + test.x.size(), 0.0) == 573469082.0);
    CHECK(*std::max_element(x, x + train.x.size()) == 255.0f);
    CHECK(kx::datasets::fashion_mnist::class_names[9] == "Ankle boot");
}

TEST_CASE("fashion_mnist::load_data takes its directory from the argument, then the environment", "[datasets]") {
    TempDir from_env, from_argument;
    write_small_set(from_env, 100);
    write_small_set(from_argument, 200);
    ScopedEnv env("KERASXX_FASHION_MNIST_DIR", from_env.str());

    const auto env_data = kx::datasets::fashion_mnist::load_data();
    CHECK(env_data.train.x.shape() == kx::Shape{3, 28, 28});
    CHECK(env_data.test.x.shape() == kx::Shape{2, 28, 28});
    CHECK(env_data.train.x.at({0, 0, 0}) == 100.0f);
    CHECK(env_data.train.y.to_vector() == std::vector<float>{0, 1, 2});

    const auto arg_data = kx::datasets::fashion_mnist::load_data(from_argument.str());
    CHECK(arg_data.train.x.at({0, 0, 0}) == 200.0f);
    CHECK(arg_data.test.y.to_vector() == std::vector<float>{0, 1});
}

TEST_CASE("fashion_mnist::load_data also reads files unpacked from their .gz", "[datasets]") {
    TempDir dir;
    dir.write("train-images-idx3-ubyte", images(3, 5));
    dir.write("train-labels-idx1-ubyte", labels(3));
    dir.write("t10k-images-idx3-ubyte", images(2, 6));
    dir.write("t10k-labels-idx1-ubyte.gz", gzip(labels(2)));
    const auto [train, test] = kx::datasets::fashion_mnist::load_data(dir.str());
    CHECK(train.x.at({0, 0, 1}) == 6.0f);
    CHECK(test.x.at({0, 0, 0}) == 6.0f);
}

TEST_CASE("fashion_mnist::load_data rejects missing and inconsistent files", "[datasets]") {
    TempDir dir;
    write_small_set(dir, 0);
    const std::string train_images = (dir.path() / "train-images-idx3-ubyte.gz").string();
    const std::string train_labels = (dir.path() / "train-labels-idx1-ubyte.gz").string();

    SECTION("a missing file says how to get the data") {
        std::filesystem::remove(train_images);
        REQUIRE_THROWS_WITH(kx::datasets::fashion_mnist::load_data(dir.str()),
                            Contains("fashion_mnist::load_data: cannot find '" + train_images +
                                     "' (directory from the directory argument)") &&
                                Contains("apt-get install dataset-fashion-mnist, or set KERASXX_FASHION_MNIST_DIR"));
    }
    SECTION("the environment variable is named when it chose the directory") {
        TempDir empty;
        ScopedEnv env("KERASXX_FASHION_MNIST_DIR", empty.str());
        REQUIRE_THROWS_WITH(kx::datasets::fashion_mnist::load_data(),
                            Contains("(directory from $KERASXX_FASHION_MNIST_DIR)"));
    }
    SECTION("images and labels must come in equal numbers") {
        dir.write("train-labels-idx1-ubyte.gz", gzip(labels(4)));
        REQUIRE_THROWS_WITH(kx::datasets::fashion_mnist::load_data(dir.str()),
                            "fashion_mnist::load_data: '" + train_images + "' holds 3 images but '" + train_labels +
                                "' holds 4 labels; they must match one to one");
    }
    SECTION("images must be 28x28") {
        dir.write("train-images-idx3-ubyte.gz", gzip(idx_file(0x08, {3, 28, 27}, Bytes(3 * 28 * 27))));
        REQUIRE_THROWS_WITH(kx::datasets::fashion_mnist::load_data(dir.str()),
                            "fashion_mnist::load_data: '" + train_images +
                                "' holds shape (3, 28, 27), expected images of shape (N, 28, 28)");
    }
    SECTION("labels must be class ids 0..9") {
        dir.write("train-labels-idx1-ubyte.gz", gzip(idx_file(0x08, {3}, {1, 12, 3})));
        REQUIRE_THROWS_WITH(kx::datasets::fashion_mnist::load_data(dir.str()),
                            "fashion_mnist::load_data: '" + train_labels +
                                "' has label 12 at index 1, expected a class id in 0..9");
    }
    SECTION("a defect inside a file is reported by read_idx") {
        dir.write("t10k-images-idx3-ubyte.gz", gzip(Bytes{0, 0, 8}));
        REQUIRE_THROWS_WITH(kx::datasets::fashion_mnist::load_data(dir.str()),
                            Contains("t10k-images-idx3-ubyte.gz' is truncated: it ends after 3 bytes"));
    }
}
