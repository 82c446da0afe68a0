#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>
#include <kerasxx/xtensor.hpp>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include <cstdint>
#include <sstream>

using Catch::Matchers::Contains;
using kx::Tensor;

namespace {
std::string printed(const Tensor& t) {
    std::ostringstream out;
    out << t;
    return out.str();
}
}  // namespace

TEST_CASE("a tensor holds row-major values with their shape", "[tensor]") {
    const Tensor t({2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(t.shape() == kx::Shape{2, 3});
    CHECK(t.rank() == 2);
    CHECK(t.size() == 6);
    CHECK(t.dim(0) == 2);
    CHECK(t.dim(-1) == 3);
    CHECK(t.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(t.at({0, 2}) == 3);
    CHECK(t.at({1, 0}) == 4);
    CHECK_FALSE(Tensor().defined());
    CHECK(t.defined());
}

TEST_CASE("factories fill zeros, ones, a constant or a range", "[tensor]") {
    CHECK(Tensor({2, 2}).to_vector() == std::vector<float>(4, 0.0f));
    CHECK(Tensor::zeros({3}).to_vector() == std::vector<float>(3, 0.0f));
    CHECK(Tensor::ones({2, 1}).to_vector() == std::vector<float>(2, 1.0f));
    CHECK(Tensor::full({2}, -1.5f).to_vector() == std::vector<float>{-1.5f, -1.5f});
    CHECK(Tensor::arange(4).to_vector() == std::vector<float>{0, 1, 2, 3});
    const Tensor s = Tensor::scalar(2.5f);
    CHECK(s.shape().empty());
    CHECK(s.size() == 1);
    CHECK(s.item() == 2.5f);
    CHECK(Tensor({1, 1}, {7}).item() == 7);
}

TEST_CASE("storage is 64-byte aligned for SIMD and BLAS kernels", "[tensor]") {
    for (std::size_t n : {1u, 3u, 17u, 1000u})
        CHECK(reinterpret_cast<std::uintptr_t>(Tensor::empty({n}).data()) % 64 == 0);
}

TEST_CASE("bad construction and indexing are errors that give the shape", "[tensor]") {
    REQUIRE_THROWS_WITH(Tensor({2, 3}, {1, 2, 3, 4, 5}), Contains("Tensor: shape (2, 3) needs 6 values, got 5"));
    REQUIRE_THROWS_WITH(Tensor({kx::None, 3}), Contains("a concrete tensor cannot have a None dimension, got shape (None, 3)"));
    const Tensor t({2, 3});
    REQUIRE_THROWS_WITH(t.at({1}), Contains("Tensor::at: expected 2 indices for shape (2, 3), got 1"));
    REQUIRE_THROWS_WITH(t.at({0, 3}), Contains("Tensor::at: index 3 is out of range for axis 1 of shape (2, 3)"));
    REQUIRE_THROWS_WITH(t.item(), Contains("Tensor::item: expected a tensor with one element, got shape (2, 3)"));
    REQUIRE_THROWS_WITH(t.dim(2), Contains("Tensor: axis 2 is out of range for shape (2, 3)"));
    REQUIRE_THROWS_WITH(Tensor().shape(), Contains("this tensor is undefined"));
    Tensor u({4});
    REQUIRE_THROWS_WITH(u.copy_from(t), Contains("Tensor::copy_from: expected 4 elements (4,), got (2, 3)"));
}

TEST_CASE("copies and detach share storage, clone does not", "[tensor]") {
    Tensor a({3}, {1, 2, 3});
    Tensor shared = a;
    Tensor detached = a.detach();
    Tensor cloned = a.clone();
    a.data()[0] = 10;
    CHECK(shared.at({0}) == 10);
    CHECK(detached.at({0}) == 10);
    CHECK(cloned.at({0}) == 1);
    cloned.data()[1] = -1;
    CHECK(a.at({1}) == 2);
}

TEST_CASE("detach and clone drop the autograd history", "[tensor]") {
    kx::Variable w("w", Tensor({2}, {1, 2}));
    const Tensor y = w * 2.0f;
    REQUIRE(y.requires_grad());
    CHECK_FALSE(y.detach().requires_grad());
    CHECK_FALSE(y.clone().requires_grad());
    CHECK(y.detach().impl()->grad_fn == nullptr);
}

TEST_CASE("reshaped views the same storage under another shape", "[tensor]") {
    Tensor a({2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor r = a.reshaped({3, 2});
    CHECK(r.shape() == kx::Shape{3, 2});
    CHECK(r.at({2, 1}) == 6);
    r.data()[0] = 0;
    CHECK(a.at({0, 0}) == 0);
    CHECK(a.shape() == kx::Shape{2, 3});
    REQUIRE_THROWS_WITH(a.reshaped({4}), Contains("Tensor::reshaped: cannot reshape (2, 3) (6 elements) to (4,)"));
}

TEST_CASE("shapes print the way Keras prints them", "[tensor]") {
    CHECK(kx::to_string(kx::Shape{32, 64}) == "(32, 64)");
    CHECK(kx::to_string(kx::Shape{kx::None, 784}) == "(None, 784)");
    CHECK(kx::to_string(kx::Shape{10}) == "(10,)");
    CHECK(kx::to_string(kx::Shape{}) == "()");
    CHECK(kx::num_elements({2, 3, 4}) == 24);
    CHECK(kx::num_elements({}) == 1);
}

TEST_CASE("tensors print like numpy arrays, one row per line, then the shape", "[tensor]") {
    CHECK(printed(Tensor({2, 3}, {1, 2.5f, 3, 4, 5, -6})) == "[[1, 2.5, 3],\n [4, 5, -6]] shape=(2, 3)");
    CHECK(printed(Tensor({3}, {0.125f, 1e-7f, 100})) == "[0.125, 1e-07, 100] shape=(3,)");
    CHECK(printed(Tensor::scalar(3.5f)) == "3.5 shape=()");
    CHECK(printed(Tensor({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7})) ==
          "[[[0, 1],\n  [2, 3]],\n [[4, 5],\n  [6, 7]]] shape=(2, 2, 2)");
    CHECK(printed(Tensor(kx::Shape{0, 2})) == "[[]] shape=(0, 2)");
    CHECK(printed(Tensor()) == "Tensor(undefined)");
}

TEST_CASE("xtensor arrays and expressions convert to tensors", "[tensor]") {
    const xt::xarray<float> array{{1, 2, 3}, {4, 5, 6}};
    const Tensor from_array = array;
    CHECK(from_array.shape() == kx::Shape{2, 3});
    CHECK(from_array.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});

    const xt::xtensor<float, 1> fixed{0.5f, -0.5f};
    CHECK(Tensor(fixed).to_vector() == std::vector<float>{0.5f, -0.5f});

    const Tensor scaled = array / 2.0f;   // an unevaluated xtensor expression
    CHECK(scaled.shape() == kx::Shape{2, 3});
    CHECK(scaled.to_vector() == std::vector<float>{0.5f, 1, 1.5f, 2, 2.5f, 3});

    const xt::xarray<std::uint8_t> pixels{{0, 51}, {255, 102}};   // the Fashion-MNIST case
    const Tensor normalized = pixels / 255.0f;
    CHECK(normalized.to_vector() == std::vector<float>{0, 0.2f, 1, 0.4f});
}

TEST_CASE("tensors convert back to xtensor containers, which own a copy", "[tensor]") {
    Tensor t({2, 3}, {1, 2, 3, 4, 5, 6});
    xt::xarray<float> array = kx::to_xarray(t);
    const bool equal = array == xt::xarray<float>{{1, 2, 3}, {4, 5, 6}};   // outside CHECK: xtensor overloads <=
    CHECK(equal);
    xt::xtensor<float, 2> fixed = kx::to_xtensor<2>(t);
    CHECK(fixed.shape()[0] == 2);
    CHECK(fixed(1, 2) == 6);
    t.data()[0] = 100;
    CHECK(array(0, 0) == 1);
    CHECK(fixed(0, 0) == 1);
    CHECK(kx::to_xarray(Tensor::scalar(4)).dimension() == 0);
    REQUIRE_THROWS_WITH(kx::to_xtensor<3>(t), Contains("kx::to_xtensor<3>: expected a tensor of rank 3, got shape (2, 3)"));
}
