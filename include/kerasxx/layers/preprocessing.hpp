// Preprocessing layers: put them at the front of a model so that it takes raw data.
//
//   auto norm = std::make_shared<kx::layers::Normalization>();   // one mean and variance per feature
//   norm->adapt(train_x);                                          // (N, 8): statistics over the N samples
//   kx::Sequential model({
//       kx::layers::Input({8}),
//       norm,                                                      // (x - mean) / sqrt(variance)
//       kx::layers::Dense(1),
//   });
//
//   kx::layers::Rescaling(1.0 / 255);                              // pixels to [0, 1]
//   kx::layers::Rescaling(1.0 / 127.5, {.offset = -1});            // pixels to [-1, 1]
//   kx::layers::Normalization({.mean = kx::Tensor::scalar(3), .variance = kx::Tensor::scalar(2)});
//   kx::layers::Normalization({.axis = {}});                      // one scalar mean and variance (axis=None)
//   kx::layers::Normalization({.invert = true});                  // back from normalized to raw values
#pragma once

#include <kerasxx/layer.hpp>
#include <kerasxx/ops.hpp>

#include <string>
#include <vector>

namespace kx::layers {

struct RescalingOptions {
    double offset = 0.0;
    std::string name = {};
};

// inputs * scale + offset. Unlike Keras 3, scale and offset are scalars (no per-channel lists).
class Rescaling : public Layer {
public:
    using Options = RescalingOptions;
    explicit Rescaling(double scale, Options options = {});

    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override { return input_shape; }
    nlohmann::json get_config() const override;

    double scale() const { return scale_; }
    double offset() const { return options_.offset; }

private:
    double scale_;
    Options options_;
};

struct NormalizationOptions {
    // The axes that keep their own mean and variance (one per index along them); the others are
    // reduced. {-1}: per feature on the last axis. {}: one scalar mean and variance (Keras' axis=None).
    ops::Axes axis = {-1};
    // Given statistics (both or neither), broadcast to the kept axes' shape as Keras does (aligned from
    // the right; dimensions of 1 broadcast). Undefined: learned by adapt().
    Tensor mean = {};
    Tensor variance = {};
    bool invert = false;   // mean + inputs * sqrt(variance): maps normalized values back
    std::string name = {};
};

// Keras 3's Normalization: (inputs - mean) / max(sqrt(variance), 1e-7), the floor being Keras'
// backend.epsilon(), so that a constant feature maps to 0 instead of NaN.
//
// adapt(data) computes each kept index's mean and biased variance over every other axis (numpy's
// mean and var, accumulated in double) and replaces any earlier statistics, as Keras 3 does for an
// array. They live in three non-trainable weights, mean and variance (the kept axes' shape) and
// count (the number of values each statistic was computed over; Keras 3 leaves it 0), so they
// travel with get_weights/set_weights and model saving. A layer with neither given statistics nor
// adapted ones (count 0) refuses to run: a kx::Error says to call adapt(). Given statistics are
// constants, not weights, and are written in the config (adapted ones are not), as in Keras.
class Normalization : public Layer {
public:
    using Options = NormalizationOptions;
    explicit Normalization(Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    // Computes the statistics of `data` (batch, ...). Builds the layer on data's shape if needed;
    // otherwise the kept axes must match the shape it was built for.
    void adapt(const Tensor& data);
    // Whether the layer can run: statistics were given, or adapt() (or set_weights) provided them.
    bool is_adapted() const;

    const Options& options() const { return options_; }

private:
    void check_input(const Shape& input_shape, const char* what) const;

    Options options_;
    std::vector<bool> kept_;          // per input axis: has its own statistics
    Shape kept_shape_;                // the kept axes' sizes: the shape of the mean and variance weights
    Shape broadcast_shape_;           // the input's rank, 1 on reduced axes: how statistics meet inputs
    Tensor given_mean_, given_stddev_;   // broadcast_shape_; given statistics only
    Variable mean_, variance_, count_;   // adapted statistics only
};

}  // namespace kx::layers
