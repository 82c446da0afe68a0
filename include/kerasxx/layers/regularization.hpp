// Regularization layers: active during training (fit) only, except ActivityRegularization, whose
// penalty joins layer.losses() on every call. At inference they are the identity.
//
//   kx::layers::Dropout(0.2)                         // zeroes 20% of the inputs, scales the rest by 1/0.8
//   kx::layers::SpatialDropout2D(0.1)                // zeroes whole channels of (batch, h, w, channels)
//   kx::layers::GaussianNoise(0.1, {.seed = 42})     // adds N(0, 0.1^2) noise
//   kx::layers::GaussianDropout(0.3)                 // multiplies by N(1, 0.3 / 0.7) noise
//   kx::layers::ActivityRegularization({.l2 = 1e-4}) // adds 1e-4 * sum(x^2) to the loss
//
// Random layers draw from the global generator (kx::utils::set_random_seed) unless given a seed;
// a seeded layer draws a fixed sequence of different masks, one per training call, like Keras'
// SeedGenerator.
#pragma once

#include <kerasxx/initializers.hpp>
#include <kerasxx/layer.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace kx::layers {

class Dropout : public Layer {
public:
    explicit Dropout(float rate, std::string name = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
    nlohmann::json get_config() const override;
    float rate() const { return rate_; }

private:
    float rate_;
};

namespace detail {
// The draws of one random layer: its own seeded sequence, or the global generator.
class NoiseSource {
public:
    explicit NoiseSource(initializers::Seed seed) : seed_(seed) {}
    // Fills `out` with `count` mask values: scale with probability keep, else 0.
    void bernoulli(float* out, std::size_t count, float keep, float scale);
    // Fills `out` with `count` draws of N(mean, stddev^2).
    void normal(float* out, std::size_t count, float mean, float stddev);
    const initializers::Seed& seed() const { return seed_; }
    std::uint64_t calls() const { return calls_; }
    void set_calls(std::uint64_t calls) { calls_ = calls; }

private:
    initializers::Seed seed_;
    std::uint64_t calls_ = 0;   // a seeded layer's draws differ from call to call
};
}  // namespace detail

struct SpatialDropoutOptions {
    initializers::Seed seed = {};
    std::string name = {};
};

// Dropout of whole channels (the last axis, channels_last): for each sample and channel, the
// entire feature map is kept and scaled by 1 / (1 - rate), or zeroed, with probability rate.
// Use it after convolutions, where neighbouring activations are correlated.
class SpatialDropout : public Layer {
public:
    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    std::uint64_t random_state() const override { return noise_.calls(); }
    void set_random_state(std::uint64_t state) override { noise_.set_calls(state); }
    float rate() const { return rate_; }

protected:
    // `rank`: the input rank the layer accepts, batch included (3 for 1D, 4 for 2D).
    SpatialDropout(const char* class_name, std::size_t rank, float rate, SpatialDropoutOptions options);

private:
    void check_input(const Shape& input_shape) const;

    std::size_t rank_;
    float rate_;
    detail::NoiseSource noise_;
};

// Input (batch, steps, channels).
class SpatialDropout1D : public SpatialDropout {
public:
    using Options = SpatialDropoutOptions;
    explicit SpatialDropout1D(float rate, Options options = {});
};

// Input (batch, height, width, channels); the config records data_format "channels_last".
class SpatialDropout2D : public SpatialDropout {
public:
    using Options = SpatialDropoutOptions;
    explicit SpatialDropout2D(float rate, Options options = {});
    nlohmann::json get_config() const override;
};

struct GaussianNoiseOptions {
    initializers::Seed seed = {};
    std::string name = {};
};

// inputs + N(0, stddev^2) noise, in training. Keras accepts stddev in [0, 1] only.
class GaussianNoise : public Layer {
public:
    using Options = GaussianNoiseOptions;
    explicit GaussianNoise(float stddev, Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
    nlohmann::json get_config() const override;
    std::uint64_t random_state() const override { return noise_.calls(); }
    void set_random_state(std::uint64_t state) override { noise_.set_calls(state); }
    float stddev() const { return stddev_; }

private:
    float stddev_;
    detail::NoiseSource noise_;
};

struct GaussianDropoutOptions {
    initializers::Seed seed = {};
    std::string name = {};
};

// inputs * N(1, rate / (1 - rate)) noise, in training: the same mean and variance as Dropout(rate).
class GaussianDropout : public Layer {
public:
    using Options = GaussianDropoutOptions;
    explicit GaussianDropout(float rate, Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
    nlohmann::json get_config() const override;
    std::uint64_t random_state() const override { return noise_.calls(); }
    void set_random_state(std::uint64_t state) override { noise_.set_calls(state); }
    float rate() const { return rate_; }

private:
    float rate_;
    detail::NoiseSource noise_;
};

struct ActivityRegularizationOptions {
    double l1 = 0.0;
    double l2 = 0.0;
    std::string name = {};
};

// The identity, which adds l1 * sum(|x|) + l2 * sum(x^2) of its input to layer.losses() on each
// call (Keras 3's formula: the sum over the whole batch, not divided by the batch size).
class ActivityRegularization : public Layer {
public:
    using Options = ActivityRegularizationOptions;
    explicit ActivityRegularization(Options options = {});
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
    nlohmann::json get_config() const override;

private:
    Options options_;
    std::shared_ptr<Regularizer> penalty_;
};

}  // namespace kx::layers
