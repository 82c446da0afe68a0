// Normalization layers, with Keras 3's arguments and defaults.
//
//   kx::Sequential model({
//       kx::layers::Input({32, 32, 3}),
//       kx::layers::Conv2D(32, 3, {.padding = "same", .use_bias = false}),
//       kx::layers::BatchNormalization(),                         // per channel, over batch and pixels
//       kx::layers::Activation("relu"),
//       kx::layers::GroupNormalization(8),                        // 8 groups of 4 channels, per sample
//       kx::layers::GlobalAveragePooling2D(),
//       kx::layers::LayerNormalization({.epsilon = 1e-5}),        // per sample, over the last axis
//       kx::layers::UnitNormalization(),                          // each row scaled to L2 norm 1
//   });
//
// Each normalises (x - mean) / sqrt(variance + epsilon), variances biased as in Keras, then scales
// by gamma ("ones") and shifts by beta ("zeros") unless scale / center is false. Weights are in
// Keras' order: gamma, beta, then BatchNormalization's moving_mean and moving_variance (not
// trainable).
//
// BatchNormalization in training (fit, or layer(x, true)) normalises with the batch's statistics
// and updates moving = moving * momentum + batch * (1 - momentum); at inference (predict, evaluate)
// it uses the moving statistics. As in Keras, a frozen layer (set_trainable(false)) runs in
// inference mode even in training, which is what fine-tuning wants.
#pragma once

#include <kerasxx/constraints.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/regularizers.hpp>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace kx::layers {

// Keras' `axis` where it may be one axis or several: .axis = -1, or .axis = {1, 2}.
struct NormalizationAxes {
    NormalizationAxes(int axis) : axes{axis}, is_list(false) {}                             // NOLINT: as Keras
    NormalizationAxes(std::initializer_list<int> list) : axes(list), is_list(true) {}       // NOLINT
    NormalizationAxes(std::vector<int> list) : axes(std::move(list)), is_list(true) {}      // NOLINT
    std::vector<int> axes;
    bool is_list;   // configs keep the form given: "axis": -1 or "axis": [1, 2]
};

struct BatchNormalizationOptions {
    int axis = -1;          // the features (channels) axis; statistics are over every other axis
    double momentum = 0.99;
    double epsilon = 1e-3;
    bool center = true;     // beta
    bool scale = true;      // gamma
    Handle<Initializer> beta_initializer = "zeros";
    Handle<Initializer> gamma_initializer = "ones";
    Handle<Initializer> moving_mean_initializer = "zeros";
    Handle<Initializer> moving_variance_initializer = "ones";
    Handle<Regularizer> beta_regularizer = {};
    Handle<Regularizer> gamma_regularizer = {};
    Handle<Constraint> beta_constraint = {};
    Handle<Constraint> gamma_constraint = {};
    std::string name = {};
};

class BatchNormalization : public Layer {
public:
    using Options = BatchNormalizationOptions;
    explicit BatchNormalization(Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    const Options& options() const { return options_; }
    const Variable& gamma() const { return gamma_; }   // undefined unless scale
    const Variable& beta() const { return beta_; }     // undefined unless center
    const Variable& moving_mean() const { return moving_mean_; }
    const Variable& moving_variance() const { return moving_variance_; }

private:
    Options options_;
    std::size_t axis_ = 0;   // options_.axis resolved against the built rank
    Variable gamma_, beta_, moving_mean_, moving_variance_;
};

struct LayerNormalizationOptions {
    NormalizationAxes axis = -1;   // normalised together, per sample; gamma/beta have their shape
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    Handle<Initializer> beta_initializer = "zeros";
    Handle<Initializer> gamma_initializer = "ones";
    Handle<Regularizer> beta_regularizer = {};
    Handle<Regularizer> gamma_regularizer = {};
    Handle<Constraint> beta_constraint = {};
    Handle<Constraint> gamma_constraint = {};
    std::string name = {};
};

// Normalises each sample over `axis` (Keras' rms_scaling is not supported).
class LayerNormalization : public Layer {
public:
    using Options = LayerNormalizationOptions;
    explicit LayerNormalization(Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    const Options& options() const { return options_; }
    const Variable& gamma() const { return gamma_; }
    const Variable& beta() const { return beta_; }

private:
    Options options_;
    Variable gamma_, beta_;
};

struct GroupNormalizationOptions {
    int axis = -1;   // the channels axis
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    Handle<Initializer> beta_initializer = "zeros";
    Handle<Initializer> gamma_initializer = "ones";
    Handle<Regularizer> beta_regularizer = {};
    Handle<Regularizer> gamma_regularizer = {};
    Handle<Constraint> beta_constraint = {};
    Handle<Constraint> gamma_constraint = {};
    std::string name = {};
};

// Splits the channels into `groups` contiguous groups and normalises each group of each sample
// over its channels and all positions; gamma and beta are per channel. groups = -1 means one group
// per channel (instance normalization), as in Keras. The channel count must be divisible by groups.
class GroupNormalization : public Layer {
public:
    using Options = GroupNormalizationOptions;
    explicit GroupNormalization(int groups = 32, Options options = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    int groups() const { return groups_; }
    const Options& options() const { return options_; }
    const Variable& gamma() const { return gamma_; }
    const Variable& beta() const { return beta_; }

private:
    std::size_t check_input(const Shape& input_shape) const;   // the resolved channels axis

    int groups_;
    Options options_;
    std::size_t axis_ = 0;
    std::size_t built_groups_ = 0;   // groups, with -1 resolved to the channel count
    Variable gamma_, beta_;
};

// x / sqrt(max(sum(x^2 over axis), 1e-12)): each slice along `axis` scaled to unit L2 norm (Keras'
// UnitNormalization; an all-zero slice stays zero).
class UnitNormalization : public Layer {
public:
    explicit UnitNormalization(NormalizationAxes axis = -1, std::string name = {});

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;

    const NormalizationAxes& axis() const { return axis_; }

private:
    NormalizationAxes axis_;
};

}  // namespace kx::layers
