#include "family_registration.hpp"
#include "ops/window.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/convolutional.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <type_traits>
#include <vector>

namespace kx::layers {

namespace {
using json = nlohmann::json;
using ops::Size2;

using kx::detail::size2_string;

// Keras writes every tuple argument as a list: [h, w], or [n] for Conv1D.
json tuple_json(Size2 s) { return json::array({s.h, s.w}); }
json tuple_json(std::size_t n) { return json::array({n}); }

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

// The options of the weights the layers here name "kernel" (or "depthwise", "pointwise") and "bias".
template <class Options>
WeightOptions kernel_options(const Options& o) {
    return weight_options(o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint);
}
template <class Options>
WeightOptions depthwise_options(const Options& o) {
    return weight_options(o.depthwise_initializer, o.depthwise_regularizer, o.depthwise_constraint);
}
template <class Options>
WeightOptions pointwise_options(const Options& o) {
    return weight_options(o.pointwise_initializer, o.pointwise_regularizer, o.pointwise_constraint);
}
template <class Options>
WeightOptions bias_options(const Options& o) {
    return weight_options(o.bias_initializer, o.bias_regularizer, o.bias_constraint);
}

// A weight's "<prefix>_initializer", "<prefix>_regularizer" and "<prefix>_constraint" config entries.
void write_weight_config(json& config, const std::string& prefix, const WeightOptions& weight) {
    config[prefix + "_initializer"] = initializers::serialize(*weight.initializer);
    config[prefix + "_regularizer"] = regularizers::serialize(weight.regularizer);
    config[prefix + "_constraint"] = constraints::serialize(weight.constraint);
}

// The config entries every layer here writes alike; each layer adds its filters, kernel weights
// and own options.
template <class Kernel, class Options>
json conv_config(json config, Kernel kernel_size, const Options& o, const Handle<Regularizer>& activity_regularizer) {
    config["kernel_size"] = tuple_json(kernel_size);
    config["strides"] = tuple_json(o.strides);
    config["padding"] = o.padding;
    config["data_format"] = "channels_last";
    config["dilation_rate"] = tuple_json(o.dilation_rate);
    config["activation"] = o.activation;
    config["use_bias"] = o.use_bias;
    write_weight_config(config, "bias", bias_options(o));
    config["activity_regularizer"] = regularizers::serialize(activity_regularizer);
    return config;
}

// The argument checks every layer here makes, in its constructor before its own ones.
template <class Kernel, class Options>
void require_positive_window(const char* layer, Kernel kernel_size, const Options& o) {
    require_positive(layer, "kernel_size", kernel_size);
    require_positive(layer, "strides", o.strides);
    require_positive(layer, "dilation_rate", o.dilation_rate);
}

Tensor activate(const std::string& name, const activations::ActivationFunction& activation, const Tensor& y) {
    return name == "linear" ? y : activation(y);
}

// Config readers for the factories: absent or null fields give the constructor's defaults.
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

// A tuple argument, Size2 or Conv1D's std::size_t.
template <class Tuple>
Tuple tuple_at(const json& c, const char* key) {
    if (!present(c, key)) return 1;
    if constexpr (std::is_same_v<Tuple, Size2>) return pair_of(c[key]);
    else return single_of(c[key]);
}

// A weight's "<prefix>_initializer", "<prefix>_regularizer" and "<prefix>_constraint" entries.
void read_weight_config(const json& c, const std::string& prefix, Handle<Initializer>& initializer,
                        Handle<Regularizer>& regularizer, Handle<Constraint>& constraint) {
    initializer = initializer_at(c, (prefix + "_initializer").c_str(), "glorot_uniform");
    regularizer = regularizer_at(c, (prefix + "_regularizer").c_str());
    constraint = constraint_at(c, (prefix + "_constraint").c_str());
}

// The options every layer here reads alike (conv_config's entries); each factory reads the rest.
template <class Options>
Options conv_options(const std::string& class_name, const json& c) {
    detail::require_channels_last(class_name, c);
    Options o;
    o.strides = tuple_at<decltype(o.strides)>(c, "strides");
    o.padding = c.value("padding", "valid");
    o.dilation_rate = tuple_at<decltype(o.dilation_rate)>(c, "dilation_rate");
    o.activation = c.value("activation", "linear");
    o.use_bias = c.value("use_bias", true);
    o.bias_initializer = initializer_at(c, "bias_initializer", "zeros");
    o.bias_regularizer = regularizer_at(c, "bias_regularizer");
    o.activity_regularizer = regularizer_at(c, "activity_regularizer");
    o.bias_constraint = constraint_at(c, "bias_constraint");
    o.name = detail::name_of(c);
    return o;
}
}  // namespace

// ---- Conv1D ------------------------------------------------------------------------------------

Conv1D::Conv1D(std::size_t filters, std::size_t kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("Conv1D", filters_);
    require_positive_window("Conv1D", kernel_size_, options_);
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
    json config = conv_config(Layer::get_config(), kernel_size_, options_, activity_regularizer());
    config["filters"] = filters_;
    config["groups"] = options_.groups;
    write_weight_config(config, "kernel", kernel_options(options_));
    return config;
}

// ---- Conv2D ------------------------------------------------------------------------------------

Conv2D::Conv2D(std::size_t filters, Size2 kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("Conv2D", filters_);
    require_positive_window("Conv2D", kernel_size_, options_);
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
    json config = conv_config(Layer::get_config(), kernel_size_, options_, activity_regularizer());
    config["filters"] = filters_;
    config["groups"] = options_.groups;
    write_weight_config(config, "kernel", kernel_options(options_));
    return config;
}

// ---- Conv2DTranspose ---------------------------------------------------------------------------

Conv2DTranspose::Conv2DTranspose(std::size_t filters, Size2 kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("Conv2DTranspose", filters_);
    require_positive_window("Conv2DTranspose", kernel_size_, options_);
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
    json config = conv_config(Layer::get_config(), kernel_size_, options_, activity_regularizer());
    config["filters"] = filters_;
    config["output_padding"] = options_.output_padding ? tuple_json(*options_.output_padding) : json(nullptr);
    write_weight_config(config, "kernel", kernel_options(options_));
    return config;
}

// ---- DepthwiseConv2D ---------------------------------------------------------------------------

DepthwiseConv2D::DepthwiseConv2D(Size2 kernel_size, Options options)
    : Layer(options.name), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_positive_window("DepthwiseConv2D", kernel_size_, options_);
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
    json config = conv_config(Layer::get_config(), kernel_size_, options_, activity_regularizer());
    config["depth_multiplier"] = options_.depth_multiplier;
    write_weight_config(config, "depthwise", depthwise_options(options_));
    return config;
}

// ---- SeparableConv2D ---------------------------------------------------------------------------

SeparableConv2D::SeparableConv2D(std::size_t filters, Size2 kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    require_filters("SeparableConv2D", filters_);
    require_positive_window("SeparableConv2D", kernel_size_, options_);
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
                                   pointwise_options(options_));
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
    json config = conv_config(Layer::get_config(), kernel_size_, options_, activity_regularizer());
    config["depth_multiplier"] = options_.depth_multiplier;
    config["filters"] = filters_;
    write_weight_config(config, "depthwise", depthwise_options(options_));
    write_weight_config(config, "pointwise", pointwise_options(options_));
    return config;
}

// ---- Registry ----------------------------------------------------------------------------------

void detail::register_convolutional_layers(FactoryTable& table) {
    add<Conv1D>(table, "Conv1D", [](const json& c) {
        auto o = conv_options<Conv1D::Options>("Conv1D", c);
        o.groups = c.value("groups", std::size_t{1});
        read_weight_config(c, "kernel", o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint);
        return with_trainable(
            Conv1D(c.at("filters").get<std::size_t>(), single_of(c.at("kernel_size")), std::move(o)), c);
    });
    add<Conv2D>(table, "Conv2D", [](const json& c) {
        auto o = conv_options<Conv2D::Options>("Conv2D", c);
        o.groups = c.value("groups", std::size_t{1});
        read_weight_config(c, "kernel", o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint);
        return with_trainable(Conv2D(c.at("filters").get<std::size_t>(), pair_of(c.at("kernel_size")), std::move(o)),
                              c);
    });
    add<Conv2DTranspose>(table, "Conv2DTranspose", [](const json& c) {
        auto o = conv_options<Conv2DTranspose::Options>("Conv2DTranspose", c);
        if (present(c, "output_padding")) o.output_padding = pair_of(c["output_padding"]);
        read_weight_config(c, "kernel", o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint);
        return with_trainable(
            Conv2DTranspose(c.at("filters").get<std::size_t>(), pair_of(c.at("kernel_size")), std::move(o)), c);
    });
    add<DepthwiseConv2D>(table, "DepthwiseConv2D", [](const json& c) {
        auto o = conv_options<DepthwiseConv2D::Options>("DepthwiseConv2D", c);
        o.depth_multiplier = c.value("depth_multiplier", std::size_t{1});
        read_weight_config(c, "depthwise", o.depthwise_initializer, o.depthwise_regularizer, o.depthwise_constraint);
        return with_trainable(DepthwiseConv2D(pair_of(c.at("kernel_size")), std::move(o)), c);
    });
    add<SeparableConv2D>(table, "SeparableConv2D", [](const json& c) {
        auto o = conv_options<SeparableConv2D::Options>("SeparableConv2D", c);
        o.depth_multiplier = c.value("depth_multiplier", std::size_t{1});
        read_weight_config(c, "depthwise", o.depthwise_initializer, o.depthwise_regularizer, o.depthwise_constraint);
        read_weight_config(c, "pointwise", o.pointwise_initializer, o.pointwise_regularizer, o.pointwise_constraint);
        return with_trainable(
            SeparableConv2D(c.at("filters").get<std::size_t>(), pair_of(c.at("kernel_size")), std::move(o)), c);
    });
}

}  // namespace kx::layers
