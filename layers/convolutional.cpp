#include "family_registration.hpp"
#include "ops/window.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/convolutional.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace kx::layers {

namespace {
using json = nlohmann::json;
using ops::Size2;

using kx::detail::size2_string;

json pair_json(Size2 s) { return json::array({s.h, s.w}); }

// Keras writes (h, w) pairs as lists; a bare integer means the same value on both axes.
Size2 pair_of(const json& value) {
    if (value.is_array()) return {value.at(0).get<std::size_t>(), value.at(1).get<std::size_t>()};
    return value.get<std::size_t>();
}

// Conv1D's one-element tuples, [3] or 3.
std::size_t single_of(const json& value) {
    return value.is_array() ? value.at(0).get<std::size_t>() : value.get<std::size_t>();
}

void require_filters(const char* layer, std::size_t filters) {
    if (filters == 0)
        throw Error(std::string(layer) + ": received an invalid value for filters, expected a positive integer. "
                    "Received: filters=0");
}

void require_positive(const char* layer, const char* argument, Size2 value) {
    if (value.h == 0 || value.w == 0)
        throw Error(std::string(layer) + ": expected " + argument + " of positive integers, received " + argument +
                    "=" + size2_string(value));
}

void require_positive(const char* layer, const char* argument, std::size_t value) {
    if (value == 0)
        throw Error(std::string(layer) + ": expected " + argument + " to be a positive integer, received " + argument +
                    "=0");
}

// Lower-cased as Keras does; Conv1D alone also takes "causal".
std::string padding_of(const char* layer, std::string padding, bool causal_allowed) {
    std::transform(padding.begin(), padding.end(), padding.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool known = padding == "valid" || padding == "same" || (causal_allowed && padding == "causal");
    if (!known)
        throw Error(std::string(layer) + ": expected padding to be 'valid'" +
                    (causal_allowed ? ", 'same' or 'causal'" : " or 'same'") + ", received padding='" + padding + "'");
    return padding;
}

void require_groups(const char* layer, std::size_t groups, std::size_t filters) {
    require_positive(layer, "groups", groups);
    if (filters % groups != 0)
        throw Error(std::string(layer) + ": the number of filters must be evenly divisible by the number of groups. "
                    "Received: groups=" + std::to_string(groups) + ", filters=" + std::to_string(filters));
}

// Rank and a known channel count: the weights' shapes depend on it.
void require_input(const std::string& who, const Shape& input_shape, std::size_t rank, const char* layout) {
    if (input_shape.size() != rank)
        throw Error(who + ": expected an input of rank " + std::to_string(rank) + " " + layout + ", got shape " +
                    to_string(input_shape));
    if (input_shape.back() == None)
        throw Error(who + ": the channel dimension of the input must be defined, got shape " + to_string(input_shape));
}

void require_divisible_channels(const std::string& who, const Shape& input_shape, std::size_t groups) {
    if (input_shape.back() % groups != 0)
        throw Error(who + ": the number of input channels must be evenly divisible by the number of groups. Received "
                    "groups=" + std::to_string(groups) + ", but the input has " + std::to_string(input_shape.back()) +
                    " channels (full input shape is " + to_string(input_shape) + ")");
}

// "valid" windows must fit in the input (unknown sizes are checked when they are known).
void require_fits(const std::string& who, const Shape& input_shape, Size2 kernel, Size2 dilation,
                  const std::string& padding) {
    const auto too_long = [](std::size_t in, std::size_t k, std::size_t d) {
        return in != None && (k - 1) * d + 1 > in;
    };
    if (padding == "valid" &&
        (too_long(input_shape[1], kernel.h, dilation.h) || too_long(input_shape[2], kernel.w, dilation.w)))
        throw Error(who + ": kernel " + size2_string(kernel) + " with dilation " + size2_string(dilation) +
                    " is larger than the input " + size2_string({input_shape[1], input_shape[2]}) +
                    " with padding 'valid'; use padding 'same' or a smaller kernel");
}

// One spatial axis, TF's rule; None stays None.
std::size_t window_length(std::size_t in, std::size_t k, std::size_t stride, std::size_t dilation,
                          const std::string& padding) {
    return in == None ? None : kx::detail::window_axis(in, k, stride, dilation, padding == "same").out;
}

Shape windowed_shape(const Shape& input_shape, Size2 kernel, Size2 strides, Size2 dilation, const std::string& padding,
                     std::size_t channels) {
    return {input_shape[0], window_length(input_shape[1], kernel.h, strides.h, dilation.h, padding),
            window_length(input_shape[2], kernel.w, strides.w, dilation.w, padding), channels};
}

// Keras' groups: the channels and the filters split into `groups` equal parts, output part g
// convolving input part g. groups == 1 is the one conv2d call.
Tensor grouped_conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, std::size_t groups, Size2 strides,
                      const std::string& padding, Size2 dilation) {
    if (groups == 1) return ops::conv2d(x, kernel, bias, strides, padding, dilation);
    const std::size_t in = kernel.shape()[2], out = kernel.shape()[3] / groups;
    std::vector<Tensor> parts;
    for (std::size_t g = 0; g < groups; ++g)
        parts.push_back(ops::conv2d(ops::slice(x, 3, g * in, (g + 1) * in),
                                    ops::slice(kernel, 3, g * out, (g + 1) * out),
                                    bias.defined() ? ops::slice(bias, 0, g * out, (g + 1) * out) : Tensor(), strides,
                                    padding, dilation));
    return ops::concat(parts, 3);
}

WeightOptions weight_options(const Handle<Initializer>& initializer, const Handle<Regularizer>& regularizer,
                             const Handle<Constraint>& constraint) {
    return {.initializer = initializer, .regularizer = regularizer, .constraint = constraint};
}

// The options of the weights every layer here names "kernel" (or "depthwise") and "bias".
template <class Options>
WeightOptions kernel_options(const Options& o) {
    return weight_options(o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint);
}
template <class Options>
WeightOptions depthwise_options(const Options& o) {
    return weight_options(o.depthwise_initializer, o.depthwise_regularizer, o.depthwise_constraint);
}
template <class Options>
WeightOptions bias_options(const Options& o) {
    return weight_options(o.bias_initializer, o.bias_regularizer, o.bias_constraint);
}

// A weight's "<prefix>_initializer", "<prefix>_regularizer" and "<prefix>_constraint" config entries.
void write_weight_config(json& config, const std::string& prefix, const Handle<Initializer>& initializer,
                         const Handle<Regularizer>& regularizer, const Handle<Constraint>& constraint) {
    config[prefix + "_initializer"] = initializers::serialize(*initializer);
    config[prefix + "_regularizer"] = regularizers::serialize(regularizer);
    config[prefix + "_constraint"] = constraints::serialize(constraint);
}

Tensor activate(const std::string& name, const activations::ActivationFunction& activation, const Tensor& y) {
    return name == "linear" ? y : activation(y);
}

// Config readers for the factories: absent or null fields give the constructor's defaults.
void require_channels_last(const char* layer, const json& c) {
    const std::string data_format = c.value("data_format", "channels_last");
    if (data_format != "channels_last")
        throw Error(std::string(layer) + ": only data_format 'channels_last' is supported, got '" + data_format + "'");
}

bool present(const json& c, const char* key) { return c.contains(key) && !c[key].is_null(); }

Handle<Initializer> initializer_at(const json& c, const char* key, const char* fallback) {
    return present(c, key) ? detail::initializer_of(c[key]) : Handle<Initializer>(fallback);
}

Handle<Regularizer> regularizer_at(const json& c, const char* key) {
    return present(c, key) ? Handle<Regularizer>(regularizers::deserialize(c[key])) : Handle<Regularizer>();
}

Handle<Constraint> constraint_at(const json& c, const char* key) {
    return present(c, key) ? Handle<Constraint>(constraints::deserialize(c[key])) : Handle<Constraint>();
}

Size2 pair_at(const json& c, const char* key) { return present(c, key) ? pair_of(c[key]) : Size2(1); }
}  // namespace

// ---- Conv1D ------------------------------------------------------------------------------------

Conv1D::Conv1D(std::size_t filters, std::size_t kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("Conv1D", filters_);
    require_positive("Conv1D", "kernel_size", kernel_size_);
    require_positive("Conv1D", "strides", options_.strides);
    require_positive("Conv1D", "dilation_rate", options_.dilation_rate);
    require_groups("Conv1D", options_.groups, filters_);
    options_.padding = padding_of("Conv1D", options_.padding, true);
    set_activity_regularizer(options_.activity_regularizer);
    claim_name();
}

void Conv1D::build(const Shape& input_shape) {
    require_input(describe(), input_shape, 3, "(batch, steps, channels)");
    require_divisible_channels(describe(), input_shape, options_.groups);
    const std::size_t steps = input_shape[1], span = (kernel_size_ - 1) * options_.dilation_rate + 1;
    if (options_.padding == "valid" && steps != None && span > steps)
        throw Error(describe() + ": kernel " + std::to_string(kernel_size_) + " with dilation " +
                    std::to_string(options_.dilation_rate) + " is larger than the input length " +
                    std::to_string(steps) + " with padding 'valid'; use padding 'same' or 'causal' or a smaller "
                    "kernel");
    const std::size_t channels = input_shape[2] / options_.groups;
    kernel_ = add_weight("kernel", {kernel_size_, channels, filters_}, kernel_options(options_));
    if (options_.use_bias)
        bias_ = add_weight("bias", {filters_}, bias_options(options_));
}

Tensor Conv1D::call(const Tensor& inputs, bool) {
    // The sequence as a one-pixel-high image: (batch, 1, steps, channels).
    const Shape& s = inputs.shape();
    Tensor x = ops::reshape(inputs, {s[0], 1, s[1], s[2]});
    std::string padding = options_.padding;
    if (padding == "causal") {
        // All the padding on the left: output t then reads inputs t - span + 1 .. t.
        const std::size_t pad = (kernel_size_ - 1) * options_.dilation_rate;
        if (pad > 0) x = ops::concat({Tensor::zeros({s[0], 1, pad, s[2]}), x}, 2);
        padding = "valid";
    }
    const Shape& ks = kernel_.shape();
    const Tensor kernel = ops::reshape(kernel_, {1, ks[0], ks[1], ks[2]});
    const Tensor y = grouped_conv2d(x, kernel, bias_, options_.groups, {1, options_.strides}, padding,
                                    {1, options_.dilation_rate});
    return activate(options_.activation, activation_, ops::reshape(y, {s[0], y.shape()[2], filters_}));
}

Shape Conv1D::compute_output_shape(const Shape& input_shape) {
    require_input(describe(), input_shape, 3, "(batch, steps, channels)");
    const std::size_t steps = input_shape[1];
    std::size_t out = None;
    if (steps != None) {
        const bool causal = options_.padding == "causal";
        // Causal is "valid" over the input with span - 1 zeros in front: (steps - 1) / stride + 1.
        const std::size_t padded = causal ? steps + (kernel_size_ - 1) * options_.dilation_rate : steps;
        out = kx::detail::window_axis(padded, kernel_size_, options_.strides, options_.dilation_rate,
                                      options_.padding == "same").out;
    }
    return {input_shape[0], out, filters_};
}

nlohmann::json Conv1D::get_config() const {
    json config = Layer::get_config();
    config["filters"] = filters_;
    config["kernel_size"] = json::array({kernel_size_});
    config["strides"] = json::array({options_.strides});
    config["padding"] = options_.padding;
    config["data_format"] = "channels_last";
    config["dilation_rate"] = json::array({options_.dilation_rate});
    config["groups"] = options_.groups;
    config["activation"] = options_.activation;
    config["use_bias"] = options_.use_bias;
    write_weight_config(config, "kernel", options_.kernel_initializer, options_.kernel_regularizer,
                        options_.kernel_constraint);
    write_weight_config(config, "bias", options_.bias_initializer, options_.bias_regularizer, options_.bias_constraint);
    config["activity_regularizer"] = regularizers::serialize(activity_regularizer());
    return config;
}

// ---- Conv2D ------------------------------------------------------------------------------------

Conv2D::Conv2D(std::size_t filters, Size2 kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("Conv2D", filters_);
    require_positive("Conv2D", "kernel_size", kernel_size_);
    require_positive("Conv2D", "strides", options_.strides);
    require_positive("Conv2D", "dilation_rate", options_.dilation_rate);
    require_groups("Conv2D", options_.groups, filters_);
    options_.padding = padding_of("Conv2D", options_.padding, false);
    set_activity_regularizer(options_.activity_regularizer);
    claim_name();
}

void Conv2D::build(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    require_divisible_channels(describe(), input_shape, options_.groups);
    require_fits(describe(), input_shape, kernel_size_, options_.dilation_rate, options_.padding);
    const std::size_t channels = input_shape[3] / options_.groups;
    kernel_ = add_weight("kernel", {kernel_size_.h, kernel_size_.w, channels, filters_}, kernel_options(options_));
    if (options_.use_bias)
        bias_ = add_weight("bias", {filters_}, bias_options(options_));
}

Tensor Conv2D::call(const Tensor& inputs, bool) {
    const Tensor y = grouped_conv2d(inputs, kernel_, bias_, options_.groups, options_.strides, options_.padding,
                                    options_.dilation_rate);
    return activate(options_.activation, activation_, y);
}

Shape Conv2D::compute_output_shape(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    return windowed_shape(input_shape, kernel_size_, options_.strides, options_.dilation_rate, options_.padding,
                          filters_);
}

nlohmann::json Conv2D::get_config() const {
    json config = Layer::get_config();
    config["filters"] = filters_;
    config["kernel_size"] = pair_json(kernel_size_);
    config["strides"] = pair_json(options_.strides);
    config["padding"] = options_.padding;
    config["data_format"] = "channels_last";
    config["dilation_rate"] = pair_json(options_.dilation_rate);
    config["groups"] = options_.groups;
    config["activation"] = options_.activation;
    config["use_bias"] = options_.use_bias;
    write_weight_config(config, "kernel", options_.kernel_initializer, options_.kernel_regularizer,
                        options_.kernel_constraint);
    write_weight_config(config, "bias", options_.bias_initializer, options_.bias_regularizer, options_.bias_constraint);
    config["activity_regularizer"] = regularizers::serialize(activity_regularizer());
    return config;
}

// ---- Conv2DTranspose ---------------------------------------------------------------------------

Conv2DTranspose::Conv2DTranspose(std::size_t filters, Size2 kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("Conv2DTranspose", filters_);
    require_positive("Conv2DTranspose", "kernel_size", kernel_size_);
    require_positive("Conv2DTranspose", "strides", options_.strides);
    require_positive("Conv2DTranspose", "dilation_rate", options_.dilation_rate);
    options_.padding = padding_of("Conv2DTranspose", options_.padding, false);
    const auto& extra = options_.output_padding;
    if (extra && (extra->h >= options_.strides.h || extra->w >= options_.strides.w))
        throw Error("Conv2DTranspose: strides must be greater than output_padding. Received strides=" +
                    size2_string(options_.strides) + ", output_padding=" + size2_string(*extra));
    set_activity_regularizer(options_.activity_regularizer);
    claim_name();
}

void Conv2DTranspose::build(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    kernel_ =
        add_weight("kernel", {kernel_size_.h, kernel_size_.w, filters_, input_shape[3]}, kernel_options(options_));
    if (options_.use_bias)
        bias_ = add_weight("bias", {filters_}, bias_options(options_));
}

Tensor Conv2DTranspose::call(const Tensor& inputs, bool) {
    const Tensor y = ops::conv2d_transpose(inputs, kernel_, bias_, options_.strides, options_.padding,
                                           options_.output_padding, options_.dilation_rate);
    return activate(options_.activation, activation_, y);
}

Shape Conv2DTranspose::compute_output_shape(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    const auto& extra = options_.output_padding;
    const auto length = [&](std::size_t in, std::size_t k, std::size_t s, std::size_t d, std::optional<std::size_t> p) {
        return in == None ? None : ops::conv_transpose_output_length(in, k, s, options_.padding, p, d);
    };
    return {input_shape[0],
            length(input_shape[1], kernel_size_.h, options_.strides.h, options_.dilation_rate.h,
                   extra ? std::optional<std::size_t>(extra->h) : std::nullopt),
            length(input_shape[2], kernel_size_.w, options_.strides.w, options_.dilation_rate.w,
                   extra ? std::optional<std::size_t>(extra->w) : std::nullopt),
            filters_};
}

nlohmann::json Conv2DTranspose::get_config() const {
    json config = Layer::get_config();
    config["filters"] = filters_;
    config["kernel_size"] = pair_json(kernel_size_);
    config["strides"] = pair_json(options_.strides);
    config["padding"] = options_.padding;
    config["output_padding"] = options_.output_padding ? pair_json(*options_.output_padding) : json(nullptr);
    config["data_format"] = "channels_last";
    config["dilation_rate"] = pair_json(options_.dilation_rate);
    config["activation"] = options_.activation;
    config["use_bias"] = options_.use_bias;
    write_weight_config(config, "kernel", options_.kernel_initializer, options_.kernel_regularizer,
                        options_.kernel_constraint);
    write_weight_config(config, "bias", options_.bias_initializer, options_.bias_regularizer, options_.bias_constraint);
    config["activity_regularizer"] = regularizers::serialize(activity_regularizer());
    return config;
}

// ---- DepthwiseConv2D ---------------------------------------------------------------------------

DepthwiseConv2D::DepthwiseConv2D(Size2 kernel_size, Options options)
    : Layer(options.name), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_positive("DepthwiseConv2D", "kernel_size", kernel_size_);
    require_positive("DepthwiseConv2D", "strides", options_.strides);
    require_positive("DepthwiseConv2D", "dilation_rate", options_.dilation_rate);
    require_positive("DepthwiseConv2D", "depth_multiplier", options_.depth_multiplier);
    options_.padding = padding_of("DepthwiseConv2D", options_.padding, false);
    set_activity_regularizer(options_.activity_regularizer);
    claim_name();
}

void DepthwiseConv2D::build(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    require_fits(describe(), input_shape, kernel_size_, options_.dilation_rate, options_.padding);
    const std::size_t channels = input_shape[3], m = options_.depth_multiplier;
    kernel_ = add_weight("kernel", {kernel_size_.h, kernel_size_.w, channels, m}, depthwise_options(options_));
    if (options_.use_bias)
        bias_ = add_weight("bias", {channels * m}, bias_options(options_));
}

Tensor DepthwiseConv2D::call(const Tensor& inputs, bool) {
    const Tensor y = ops::depthwise_conv2d(inputs, kernel_, bias_, options_.strides, options_.padding,
                                           options_.dilation_rate);
    return activate(options_.activation, activation_, y);
}

Shape DepthwiseConv2D::compute_output_shape(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    return windowed_shape(input_shape, kernel_size_, options_.strides, options_.dilation_rate, options_.padding,
                          input_shape[3] * options_.depth_multiplier);
}

nlohmann::json DepthwiseConv2D::get_config() const {
    json config = Layer::get_config();
    config["kernel_size"] = pair_json(kernel_size_);
    config["strides"] = pair_json(options_.strides);
    config["padding"] = options_.padding;
    config["depth_multiplier"] = options_.depth_multiplier;
    config["data_format"] = "channels_last";
    config["dilation_rate"] = pair_json(options_.dilation_rate);
    config["activation"] = options_.activation;
    config["use_bias"] = options_.use_bias;
    write_weight_config(config, "depthwise", options_.depthwise_initializer, options_.depthwise_regularizer,
                        options_.depthwise_constraint);
    write_weight_config(config, "bias", options_.bias_initializer, options_.bias_regularizer, options_.bias_constraint);
    config["activity_regularizer"] = regularizers::serialize(activity_regularizer());
    return config;
}

// ---- SeparableConv2D ---------------------------------------------------------------------------

SeparableConv2D::SeparableConv2D(std::size_t filters, Size2 kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("SeparableConv2D", filters_);
    require_positive("SeparableConv2D", "kernel_size", kernel_size_);
    require_positive("SeparableConv2D", "strides", options_.strides);
    require_positive("SeparableConv2D", "dilation_rate", options_.dilation_rate);
    require_positive("SeparableConv2D", "depth_multiplier", options_.depth_multiplier);
    options_.padding = padding_of("SeparableConv2D", options_.padding, false);
    set_activity_regularizer(options_.activity_regularizer);
    claim_name();
}

void SeparableConv2D::build(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    require_fits(describe(), input_shape, kernel_size_, options_.dilation_rate, options_.padding);
    const std::size_t channels = input_shape[3], m = options_.depth_multiplier;
    depthwise_kernel_ =
        add_weight("depthwise_kernel", {kernel_size_.h, kernel_size_.w, channels, m}, depthwise_options(options_));
    pointwise_kernel_ = add_weight("pointwise_kernel", {1, 1, channels * m, filters_},
                                   weight_options(options_.pointwise_initializer, options_.pointwise_regularizer,
                                                  options_.pointwise_constraint));
    if (options_.use_bias)
        bias_ = add_weight("bias", {filters_}, bias_options(options_));
}

Tensor SeparableConv2D::call(const Tensor& inputs, bool) {
    const Tensor depthwise = ops::depthwise_conv2d(inputs, depthwise_kernel_, Tensor(), options_.strides,
                                                   options_.padding, options_.dilation_rate);
    return activate(options_.activation, activation_, ops::conv2d(depthwise, pointwise_kernel_, bias_));
}

Shape SeparableConv2D::compute_output_shape(const Shape& input_shape) {
    require_input(describe(), input_shape, 4, "(batch, height, width, channels)");
    return windowed_shape(input_shape, kernel_size_, options_.strides, options_.dilation_rate, options_.padding,
                          filters_);
}

nlohmann::json SeparableConv2D::get_config() const {
    json config = Layer::get_config();
    config["depth_multiplier"] = options_.depth_multiplier;
    config["filters"] = filters_;
    config["kernel_size"] = pair_json(kernel_size_);
    config["strides"] = pair_json(options_.strides);
    config["padding"] = options_.padding;
    config["data_format"] = "channels_last";
    config["dilation_rate"] = pair_json(options_.dilation_rate);
    config["activation"] = options_.activation;
    config["use_bias"] = options_.use_bias;
    write_weight_config(config, "depthwise", options_.depthwise_initializer, options_.depthwise_regularizer,
                        options_.depthwise_constraint);
    write_weight_config(config, "pointwise", options_.pointwise_initializer, options_.pointwise_regularizer,
                        options_.pointwise_constraint);
    write_weight_config(config, "bias", options_.bias_initializer, options_.bias_regularizer, options_.bias_constraint);
    config["activity_regularizer"] = regularizers::serialize(activity_regularizer());
    return config;
}

// ---- Registry ----------------------------------------------------------------------------------

void detail::register_convolutional_layers(FactoryTable& table) {
    add<Conv1D>(table, "Conv1D", [](const json& c) {
        require_channels_last("Conv1D", c);
        return with_trainable(
            Conv1D(c.at("filters").get<std::size_t>(), single_of(c.at("kernel_size")),
                   {.strides = present(c, "strides") ? single_of(c["strides"]) : 1,
                    .padding = c.value("padding", "valid"),
                    .dilation_rate = present(c, "dilation_rate") ? single_of(c["dilation_rate"]) : 1,
                    .groups = c.value("groups", std::size_t{1}),
                    .activation = c.value("activation", "linear"),
                    .use_bias = c.value("use_bias", true),
                    .kernel_initializer = initializer_at(c, "kernel_initializer", "glorot_uniform"),
                    .bias_initializer = initializer_at(c, "bias_initializer", "zeros"),
                    .kernel_regularizer = regularizer_at(c, "kernel_regularizer"),
                    .bias_regularizer = regularizer_at(c, "bias_regularizer"),
                    .activity_regularizer = regularizer_at(c, "activity_regularizer"),
                    .kernel_constraint = constraint_at(c, "kernel_constraint"),
                    .bias_constraint = constraint_at(c, "bias_constraint"),
                    .name = name_of(c)}),
            c);
    });
    add<Conv2D>(table, "Conv2D", [](const json& c) {
        require_channels_last("Conv2D", c);
        return with_trainable(
            Conv2D(c.at("filters").get<std::size_t>(), pair_of(c.at("kernel_size")),
                   {.strides = pair_at(c, "strides"),
                    .padding = c.value("padding", "valid"),
                    .dilation_rate = pair_at(c, "dilation_rate"),
                    .groups = c.value("groups", std::size_t{1}),
                    .activation = c.value("activation", "linear"),
                    .use_bias = c.value("use_bias", true),
                    .kernel_initializer = initializer_at(c, "kernel_initializer", "glorot_uniform"),
                    .bias_initializer = initializer_at(c, "bias_initializer", "zeros"),
                    .kernel_regularizer = regularizer_at(c, "kernel_regularizer"),
                    .bias_regularizer = regularizer_at(c, "bias_regularizer"),
                    .activity_regularizer = regularizer_at(c, "activity_regularizer"),
                    .kernel_constraint = constraint_at(c, "kernel_constraint"),
                    .bias_constraint = constraint_at(c, "bias_constraint"),
                    .name = name_of(c)}),
            c);
    });
    add<Conv2DTranspose>(table, "Conv2DTranspose", [](const json& c) {
        require_channels_last("Conv2DTranspose", c);
        return with_trainable(
            Conv2DTranspose(c.at("filters").get<std::size_t>(), pair_of(c.at("kernel_size")),
                            {.strides = pair_at(c, "strides"),
                             .padding = c.value("padding", "valid"),
                             .output_padding = present(c, "output_padding")
                                                   ? std::optional<Size2>(pair_of(c["output_padding"]))
                                                   : std::nullopt,
                             .dilation_rate = pair_at(c, "dilation_rate"),
                             .activation = c.value("activation", "linear"),
                             .use_bias = c.value("use_bias", true),
                             .kernel_initializer = initializer_at(c, "kernel_initializer", "glorot_uniform"),
                             .bias_initializer = initializer_at(c, "bias_initializer", "zeros"),
                             .kernel_regularizer = regularizer_at(c, "kernel_regularizer"),
                             .bias_regularizer = regularizer_at(c, "bias_regularizer"),
                             .activity_regularizer = regularizer_at(c, "activity_regularizer"),
                             .kernel_constraint = constraint_at(c, "kernel_constraint"),
                             .bias_constraint = constraint_at(c, "bias_constraint"),
                             .name = name_of(c)}),
            c);
    });
    add<DepthwiseConv2D>(table, "DepthwiseConv2D", [](const json& c) {
        require_channels_last("DepthwiseConv2D", c);
        return with_trainable(
            DepthwiseConv2D(pair_of(c.at("kernel_size")),
                            {.strides = pair_at(c, "strides"),
                             .padding = c.value("padding", "valid"),
                             .depth_multiplier = c.value("depth_multiplier", std::size_t{1}),
                             .dilation_rate = pair_at(c, "dilation_rate"),
                             .activation = c.value("activation", "linear"),
                             .use_bias = c.value("use_bias", true),
                             .depthwise_initializer = initializer_at(c, "depthwise_initializer", "glorot_uniform"),
                             .bias_initializer = initializer_at(c, "bias_initializer", "zeros"),
                             .depthwise_regularizer = regularizer_at(c, "depthwise_regularizer"),
                             .bias_regularizer = regularizer_at(c, "bias_regularizer"),
                             .activity_regularizer = regularizer_at(c, "activity_regularizer"),
                             .depthwise_constraint = constraint_at(c, "depthwise_constraint"),
                             .bias_constraint = constraint_at(c, "bias_constraint"),
                             .name = name_of(c)}),
            c);
    });
    add<SeparableConv2D>(table, "SeparableConv2D", [](const json& c) {
        require_channels_last("SeparableConv2D", c);
        return with_trainable(
            SeparableConv2D(c.at("filters").get<std::size_t>(), pair_of(c.at("kernel_size")),
                            {.strides = pair_at(c, "strides"),
                             .padding = c.value("padding", "valid"),
                             .dilation_rate = pair_at(c, "dilation_rate"),
                             .depth_multiplier = c.value("depth_multiplier", std::size_t{1}),
                             .activation = c.value("activation", "linear"),
                             .use_bias = c.value("use_bias", true),
                             .depthwise_initializer = initializer_at(c, "depthwise_initializer", "glorot_uniform"),
                             .pointwise_initializer = initializer_at(c, "pointwise_initializer", "glorot_uniform"),
                             .bias_initializer = initializer_at(c, "bias_initializer", "zeros"),
                             .depthwise_regularizer = regularizer_at(c, "depthwise_regularizer"),
                             .pointwise_regularizer = regularizer_at(c, "pointwise_regularizer"),
                             .bias_regularizer = regularizer_at(c, "bias_regularizer"),
                             .activity_regularizer = regularizer_at(c, "activity_regularizer"),
                             .depthwise_constraint = constraint_at(c, "depthwise_constraint"),
                             .pointwise_constraint = constraint_at(c, "pointwise_constraint"),
                             .bias_constraint = constraint_at(c, "bias_constraint"),
                             .name = name_of(c)}),
            c);
    });
}

}  // namespace kx::layers
