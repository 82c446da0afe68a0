#include "family_registration.hpp"

#include <kerasxx/autograd.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/layers/normalization.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace kx::layers {

namespace {
using json = nlohmann::json;

// `axis` of `input_shape` (batch included) as an index, or an error naming the layer. The
// dimension must be known: weights and statistics are sized by it.
std::size_t resolve_axis(const std::string& where, int axis, const Shape& input_shape) {
    const int rank = static_cast<int>(input_shape.size());
    const int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank)
        throw Error(where + ": axis " + std::to_string(axis) + " is out of range for input of shape " +
                    to_string(input_shape) + "; expected an axis in [" + std::to_string(-rank) + ", " +
                    std::to_string(rank) + ")");
    const auto index = static_cast<std::size_t>(a);
    if (input_shape[index] == None)
        throw Error(where + ": axis " + std::to_string(axis) + " of input shape " + to_string(input_shape) +
                    " must have a defined dimension (it sizes the layer's weights)");
    return index;
}

// The axes, resolved, in increasing order; duplicates are an error.
std::vector<std::size_t> resolve_axes(const std::string& where, const NormalizationAxes& axis,
                                      const Shape& input_shape) {
    std::vector<std::size_t> resolved;
    for (int a : axis.axes) resolved.push_back(resolve_axis(where, a, input_shape));
    std::sort(resolved.begin(), resolved.end());
    if (std::adjacent_find(resolved.begin(), resolved.end()) != resolved.end())
        throw Error(where + ": duplicate axis in axis=" + json(axis.axes).dump() + " for input of shape " +
                    to_string(input_shape));
    return resolved;
}

void check_axes_given(const char* class_name, const NormalizationAxes& axis) {
    if (axis.axes.empty())
        throw Error(std::string(class_name) + ": expected an int or a non-empty list of ints for axis, received an "
                    "empty list");
}

// The permutation that moves `axis` to the end, and its inverse: the ops are channels-last.
std::pair<ops::Axes, ops::Axes> axis_to_end(std::size_t axis, std::size_t rank) {
    ops::Axes there, back;
    for (std::size_t a = 0; a < rank; ++a) {
        if (a != axis) there.push_back(static_cast<int>(a));
        back.push_back(static_cast<int>(a < axis ? a : a == axis ? rank - 1 : a - 1));
    }
    there.push_back(static_cast<int>(axis));
    return {there, back};
}

// Runs `normalize` (a channels-last op) with `axis` moved to the end and back when it is not last.
template <class F>
Tensor with_axis_last(const Tensor& x, std::size_t axis, F normalize) {
    if (axis + 1 == x.rank()) return normalize(x);
    const auto [there, back] = axis_to_end(axis, x.rank());
    return ops::transpose(normalize(ops::transpose(x, there)), back);
}

json axes_json(const NormalizationAxes& axis) { return axis.is_list ? json(axis.axes) : json(axis.axes.front()); }

NormalizationAxes axes_of(const json& value) {
    if (value.is_array()) return value.get<std::vector<int>>();
    return value.get<int>();
}

// What BatchNormalization, LayerNormalization and GroupNormalization share: epsilon, center and
// scale, gamma's and beta's initializers, regularizers and constraints, and the name.
template <class O>
void write_common(json& config, const O& o) {
    config["epsilon"] = o.epsilon;
    config["center"] = o.center;
    config["scale"] = o.scale;
    config["beta_initializer"] = initializers::serialize(*o.beta_initializer);
    config["gamma_initializer"] = initializers::serialize(*o.gamma_initializer);
    config["beta_regularizer"] = regularizers::serialize(o.beta_regularizer);
    config["gamma_regularizer"] = regularizers::serialize(o.gamma_regularizer);
    config["beta_constraint"] = constraints::serialize(o.beta_constraint);
    config["gamma_constraint"] = constraints::serialize(o.gamma_constraint);
}

template <class O>
O read_common(const json& c, O o) {
    o.center = c.value("center", true);
    o.scale = c.value("scale", true);
    if (c.contains("beta_initializer")) o.beta_initializer = detail::initializer_of(c["beta_initializer"]);
    if (c.contains("gamma_initializer")) o.gamma_initializer = detail::initializer_of(c["gamma_initializer"]);
    o.beta_regularizer = regularizers::deserialize(c.value("beta_regularizer", json()));
    o.gamma_regularizer = regularizers::deserialize(c.value("gamma_regularizer", json()));
    o.beta_constraint = constraints::deserialize(c.value("beta_constraint", json()));
    o.gamma_constraint = constraints::deserialize(c.value("gamma_constraint", json()));
    o.epsilon = c.value("epsilon", 1e-3);
    o.name = detail::name_of(c);
    return o;
}

template <class O>
WeightOptions gamma_options(const O& o) {
    return {.initializer = o.gamma_initializer, .regularizer = o.gamma_regularizer, .constraint = o.gamma_constraint};
}

template <class O>
WeightOptions beta_options(const O& o) {
    return {.initializer = o.beta_initializer, .regularizer = o.beta_regularizer, .constraint = o.beta_constraint};
}
}  // namespace

BatchNormalization::BatchNormalization(Options options) : Layer(options.name), options_(std::move(options)) {
    claim_name();
}

Shape BatchNormalization::compute_output_shape(const Shape& input_shape) {
    resolve_axis(describe(), options_.axis, input_shape);
    return input_shape;
}

void BatchNormalization::build(const Shape& input_shape) {
    axis_ = resolve_axis(describe(), options_.axis, input_shape);
    const Shape shape{input_shape[axis_]};
    if (options_.scale) gamma_ = add_weight("gamma", shape, gamma_options(options_));
    if (options_.center) beta_ = add_weight("beta", shape, beta_options(options_));
    moving_mean_ = add_weight("moving_mean", shape, {.initializer = options_.moving_mean_initializer, .trainable = false});
    moving_variance_ =
        add_weight("moving_variance", shape, {.initializer = options_.moving_variance_initializer, .trainable = false});
}

Tensor BatchNormalization::call(const Tensor& inputs, bool training) {
    const auto epsilon = static_cast<float>(options_.epsilon);
    // Keras: a frozen BatchNormalization normalises with its moving statistics, even in training.
    if (!(training && trainable()))
        return with_axis_last(inputs, axis_, [&](const Tensor& x) {
            return ops::batch_norm_inference(x, moving_mean_, moving_variance_, gamma_, beta_, epsilon);
        });
    ops::BatchNormOutput batch;
    Tensor y = with_axis_last(inputs, axis_, [&](const Tensor& x) {
        batch = ops::batch_norm(x, gamma_, beta_, epsilon);
        return batch.output;
    });
    NoGradGuard no_grad;
    const auto momentum = static_cast<float>(options_.momentum);
    moving_mean_.assign(moving_mean_ * momentum + batch.mean * (1.0f - momentum));
    moving_variance_.assign(moving_variance_ * momentum + batch.variance * (1.0f - momentum));
    return y;
}

json BatchNormalization::get_config() const {
    json config = Layer::get_config();
    config["axis"] = options_.axis;
    config["momentum"] = options_.momentum;
    write_common(config, options_);
    config["moving_mean_initializer"] = initializers::serialize(*options_.moving_mean_initializer);
    config["moving_variance_initializer"] = initializers::serialize(*options_.moving_variance_initializer);
    config["synchronized"] = false;
    return config;
}

LayerNormalization::LayerNormalization(Options options) : Layer(options.name), options_(std::move(options)) {
    check_axes_given("LayerNormalization", options_.axis);
    claim_name();
}

Shape LayerNormalization::compute_output_shape(const Shape& input_shape) {
    resolve_axes(describe(), options_.axis, input_shape);
    return input_shape;
}

void LayerNormalization::build(const Shape& input_shape) {
    Shape shape;
    for (std::size_t a : resolve_axes(describe(), options_.axis, input_shape)) shape.push_back(input_shape[a]);
    if (options_.scale) gamma_ = add_weight("gamma", shape, gamma_options(options_));
    if (options_.center) beta_ = add_weight("beta", shape, beta_options(options_));
}

Tensor LayerNormalization::call(const Tensor& inputs, bool) {
    return ops::layer_norm(inputs, gamma_, beta_, options_.axis.axes, static_cast<float>(options_.epsilon));
}

json LayerNormalization::get_config() const {
    json config = Layer::get_config();
    config["axis"] = axes_json(options_.axis);
    write_common(config, options_);
    return config;
}

GroupNormalization::GroupNormalization(int groups, Options options)
    : Layer(options.name), groups_(groups), options_(std::move(options)) {
    if (groups_ == 0 || groups_ < -1)
        throw Error("GroupNormalization: expected groups to be a positive integer, or -1 for one group per channel; "
                    "received groups=" + std::to_string(groups_));
    claim_name();
}

std::size_t GroupNormalization::check_input(const Shape& input_shape) const {
    if (input_shape.size() < 2)
        throw Error(describe() + ": expected an input of rank >= 2 (batch, ..., channels), got shape " +
                    to_string(input_shape));
    const std::size_t axis = resolve_axis(describe(), options_.axis, input_shape);
    if (axis == 0)
        throw Error(describe() + ": axis " + std::to_string(options_.axis) + " is the batch axis; expected the "
                    "channels axis");
    const std::size_t channels = input_shape[axis];
    if (groups_ == -1) return axis;
    const auto groups = static_cast<std::size_t>(groups_);
    if (groups > channels)
        throw Error(describe() + ": the number of groups (" + std::to_string(groups) + ") cannot be more than the "
                    "number of channels (" + std::to_string(channels) + ") in input of shape " + to_string(input_shape));
    if (channels % groups != 0)
        throw Error(describe() + ": the number of channels (" + std::to_string(channels) + ") must be divisible by "
                    "groups (" + std::to_string(groups) + ") in input of shape " + to_string(input_shape));
    return axis;
}

Shape GroupNormalization::compute_output_shape(const Shape& input_shape) {
    check_input(input_shape);
    return input_shape;
}

void GroupNormalization::build(const Shape& input_shape) {
    axis_ = check_input(input_shape);
    const std::size_t channels = input_shape[axis_];
    built_groups_ = groups_ == -1 ? channels : static_cast<std::size_t>(groups_);
    if (options_.scale) gamma_ = add_weight("gamma", {channels}, gamma_options(options_));
    if (options_.center) beta_ = add_weight("beta", {channels}, beta_options(options_));
}

Tensor GroupNormalization::call(const Tensor& inputs, bool) {
    return with_axis_last(inputs, axis_, [&](const Tensor& x) {
        return ops::group_norm(x, built_groups_, gamma_, beta_, static_cast<float>(options_.epsilon));
    });
}

json GroupNormalization::get_config() const {
    json config = Layer::get_config();
    config["groups"] = groups_;
    config["axis"] = options_.axis;
    write_common(config, options_);
    return config;
}

UnitNormalization::UnitNormalization(NormalizationAxes axis, std::string name)
    : Layer(std::move(name)), axis_(std::move(axis)) {
    check_axes_given("UnitNormalization", axis_);
    claim_name();
}

void UnitNormalization::build(const Shape& input_shape) { resolve_axes(describe(), axis_, input_shape); }

Shape UnitNormalization::compute_output_shape(const Shape& input_shape) {
    resolve_axes(describe(), axis_, input_shape);
    return input_shape;
}

Tensor UnitNormalization::call(const Tensor& inputs, bool) {
    // x * rsqrt(max(sum(x^2), 1e-12)), as Keras: the floor keeps an all-zero slice at zero, not NaN.
    const Tensor square_sum = ops::sum(ops::square(inputs), axis_.axes, /*keepdims=*/true);
    return inputs * ops::pow(ops::clip(square_sum, 1e-12f, std::numeric_limits<float>::infinity()), -0.5f);
}

json UnitNormalization::get_config() const {
    json config = Layer::get_config();
    config["axis"] = axes_json(axis_);
    return config;
}

void detail::register_normalization_layers(FactoryTable& table) {
    add<BatchNormalization>(table, "BatchNormalization", [](const json& c) {
        // "synchronized" (across devices) computes the same statistics on one device: either value is accepted.
        BatchNormalizationOptions o = read_common(c, BatchNormalizationOptions{});
        o.axis = c.value("axis", -1);
        o.momentum = c.value("momentum", 0.99);
        if (c.contains("moving_mean_initializer"))
            o.moving_mean_initializer = initializer_of(c["moving_mean_initializer"]);
        if (c.contains("moving_variance_initializer"))
            o.moving_variance_initializer = initializer_of(c["moving_variance_initializer"]);
        return with_trainable(BatchNormalization(std::move(o)), c);
    });
    add<LayerNormalization>(table, "LayerNormalization", [](const json& c) {
        if (c.value("rms_scaling", false))
            throw Error("layers::deserialize: LayerNormalization with rms_scaling=true is not supported");
        LayerNormalizationOptions o = read_common(c, LayerNormalizationOptions{});
        o.axis = axes_of(c.value("axis", json(-1)));
        return with_trainable(LayerNormalization(std::move(o)), c);
    });
    add<GroupNormalization>(table, "GroupNormalization", [](const json& c) {
        GroupNormalizationOptions o = read_common(c, GroupNormalizationOptions{});
        o.axis = c.value("axis", -1);
        return with_trainable(GroupNormalization(c.value("groups", 32), std::move(o)), c);
    });
    add<UnitNormalization>(table, "UnitNormalization", [](const json& c) {
        return with_trainable(UnitNormalization(axes_of(c.value("axis", json(-1))), name_of(c)), c);
    });
}

}  // namespace kx::layers
