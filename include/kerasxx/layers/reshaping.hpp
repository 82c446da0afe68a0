// Reshaping layers. Target shapes and permutations exclude the batch dimension, as in Keras;
// image layers are channels_last (batch, height, width, channels), sequence layers
// (batch, steps, features).
//
//   kx::layers::Flatten()                       // (None, 28, 28) -> (None, 784)
//   kx::layers::Reshape({7, 4, 28})             // (None, 784) -> (None, 7, 4, 28); one entry may be kx::None
//   kx::layers::Permute({2, 1})                 // (None, 10, 64) -> (None, 64, 10); 1-based, as in Keras
//   kx::layers::RepeatVector(3)                 // (None, 32) -> (None, 3, 32)
//   kx::layers::Cropping1D({1, 2})              // (None, 10, 8) -> (None, 7, 8)
//   kx::layers::Cropping2D({{2, 2}, {4, 4}})    // (None, 28, 28, 3) -> (None, 24, 20, 3)
//   kx::layers::ZeroPadding1D(2)                // (None, 10, 8) -> (None, 14, 8)
//   kx::layers::ZeroPadding2D({1, 2})           // (None, 28, 28, 3) -> (None, 30, 32, 3)
//   kx::layers::UpSampling1D(2)                 // (None, 10, 8) -> (None, 20, 8): each step twice
//   kx::layers::UpSampling2D(2, {.interpolation = "bilinear"})   // (None, 7, 7, 3) -> (None, 14, 14, 3)
#pragma once

#include <kerasxx/layer.hpp>
#include <kerasxx/ops.hpp>

#include <string>
#include <vector>

namespace kx::layers {

using ops::Size2;

class Flatten : public Layer {
public:
    explicit Flatten(std::string name = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
};

class Reshape : public Layer {
public:
    explicit Reshape(Shape target_shape, std::string name = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

private:
    Shape target_shape_;
    Shape resolved_;   // target_shape_ with the kx::None entry inferred at build time
};

// Reorders the non-batch axes: output axis k (1-based) is input axis dims[k - 1].
class Permute : public Layer {
public:
    explicit Permute(std::vector<std::size_t> dims, std::string name = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    const std::vector<std::size_t>& dims() const { return dims_; }

private:
    std::vector<std::size_t> dims_;
};

// (batch, features) -> (batch, n, features): the input vector n times.
class RepeatVector : public Layer {
public:
    explicit RepeatVector(std::size_t n, std::string name = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    std::size_t n() const { return n_; }

private:
    std::size_t n_;
};

// How much to add or remove at the two ends of one axis. An int n means (n, n), as in Keras.
struct Margins {
    Margins(std::size_t n) : before(n), after(n) {}   // NOLINT: 2 means (2, 2), as in Keras
    Margins(std::size_t before_, std::size_t after_) : before(before_), after(after_) {}
    std::size_t before, after;
    bool operator==(const Margins&) const = default;
};

// Margins of height and width: n -> ((n, n), (n, n)); {h, w} -> ((h, h), (w, w));
// {{top, bottom}, {left, right}} as written.
struct Margins2 {
    Margins2(std::size_t n) : height(n), width(n) {}   // NOLINT: as in Keras
    Margins2(Margins height_, Margins width_) : height(height_), width(width_) {}
    Margins height, width;
    bool operator==(const Margins2&) const = default;
};

// The other arguments of the cropping and padding layers. An options struct, not a plain
// `std::string name`: with one, Cropping2D({{1, 2}, {3, 4}}) would be ambiguous, since {3, 4}
// can build a std::string.
struct MarginLayerOptions {
    std::string name = {};
};

// Removes cropping.before steps at the start and cropping.after at the end of axis 1.
class Cropping1D : public Layer {
public:
    using Options = MarginLayerOptions;
    explicit Cropping1D(Margins cropping = {1, 1}, Options options = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    Margins cropping() const { return cropping_; }

private:
    Margins cropping_;
};

// Removes rows at the top and bottom, columns at the left and right.
class Cropping2D : public Layer {
public:
    using Options = MarginLayerOptions;
    explicit Cropping2D(Margins2 cropping = 0, Options options = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    Margins2 cropping() const { return cropping_; }

private:
    Margins2 cropping_;
};

// Adds zero steps at the start and end of axis 1.
class ZeroPadding1D : public Layer {
public:
    using Options = MarginLayerOptions;
    explicit ZeroPadding1D(Margins padding = 1, Options options = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    Margins padding() const { return padding_; }

private:
    Margins padding_;
};

// Adds rows of zeros at the top and bottom, columns at the left and right.
class ZeroPadding2D : public Layer {
public:
    using Options = MarginLayerOptions;
    explicit ZeroPadding2D(Margins2 padding = 1, Options options = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    Margins2 padding() const { return padding_; }

private:
    Margins2 padding_;
};

// Repeats each step `size` times along axis 1.
class UpSampling1D : public Layer {
public:
    explicit UpSampling1D(std::size_t size = 2, std::string name = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    std::size_t size() const { return size_; }

private:
    std::size_t size_;
};

struct UpSampling2DOptions {
    // "nearest" repeats rows and columns; "bilinear" interpolates between pixel centres, like
    // Keras' (TF's) resize without antialiasing. Keras' bicubic and lanczos are not available.
    std::string interpolation = "nearest";
    std::string name = {};
};

// Scales height and width by size.h and size.w.
class UpSampling2D : public Layer {
public:
    using Options = UpSampling2DOptions;
    explicit UpSampling2D(Size2 size = 2, Options options = {});
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    Size2 size() const { return size_; }
    const std::string& interpolation() const { return interpolation_; }

private:
    Size2 size_;
    std::string interpolation_;
};

}  // namespace kx::layers
