#include "family_registration.hpp"
#include "ops/window.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/convolutional.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace kx::layers {

namespace {
using json = nlohmann::json;

using kx::detail::size2_string;

json pair_json(ops::Size2 s) { return json::array({s.h, s.w}); }

// Keras writes (h, w) pairs as lists; a bare integer means the same value on both axes.
ops::Size2 pair_of(const json& value) {
    if (value.is_array()) return {value.at(0).get<std::size_t>(), value.at(1).get<std::size_t>()};
    return value.get<std::size_t>();
}

// One spatial axis, TF's rule: "same" gives ceil(in / stride); "valid" the windows that fit (none
// when the dilated kernel is longer than the input, which the caller reports).
std::size_t output_length(std::size_t in, std::size_t k, std::size_t stride, std::size_t dilation, bool same) {
    return in == None ? None : kx::detail::window_axis(in, k, stride, dilation, same).out;
}
}  // namespace

Conv2D::Conv2D(std::size_t filters, ops::Size2 kernel_size, Options options)
    : Layer(options.name), filters_(filters), kernel_size_(kernel_size), options_(std::move(options)),
      activation_(activations::get(options_.activation)) {
    if (filters == 0)
        throw Error("Conv2D: received an invalid value for filters, expected a positive integer. Received: filters=0");
    const auto positive = [](ops::Size2 s) { return s.h > 0 && s.w > 0; };
    if (!positive(kernel_size_))
        throw Error("Conv2D: expected a positive kernel_size, received kernel_size=" + size2_string(kernel_size_));
    if (!positive(options_.strides))
        throw Error("Conv2D: expected positive strides, received strides=" + size2_string(options_.strides));
    if (!positive(options_.dilation_rate))
        throw Error("Conv2D: expected a positive dilation_rate, received dilation_rate=" + size2_string(options_.dilation_rate));
    std::string& padding = options_.padding;
    std::transform(padding.begin(), padding.end(), padding.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (padding != "valid" && padding != "same")
        throw Error("Conv2D: expected padding to be 'valid' or 'same', received padding='" + padding + "'");
    claim_name();
}

void Conv2D::build(const Shape& input_shape) {
    if (input_shape.size() != 4)
        throw Error(describe() + ": expected an input of rank 4 (batch, height, width, channels), got shape " +
                    to_string(input_shape));
    const Shape out = compute_output_shape(input_shape);
    if (out[1] == 0 || out[2] == 0)
        throw Error(describe() + ": kernel " + size2_string(kernel_size_) + " with dilation " +
                    size2_string(options_.dilation_rate) + " is larger than the input " +
                    size2_string({input_shape[1], input_shape[2]}) + " with padding 'valid'; use padding 'same' or a "
                    "smaller kernel");
    kernel_ = add_weight("kernel", {kernel_size_.h, kernel_size_.w, input_shape[3], filters_}, options_.kernel_initializer);
    if (options_.use_bias) bias_ = add_weight("bias", {filters_}, options_.bias_initializer);
}

Tensor Conv2D::call(const Tensor& inputs, bool) {
    Tensor y = ops::conv2d(inputs, kernel_, bias_, options_.strides, options_.padding, options_.dilation_rate);
    return options_.activation == "linear" ? y : activation_(y);
}

Shape Conv2D::compute_output_shape(const Shape& input_shape) {
    if (input_shape.size() != 4)
        throw Error(describe() + ": expected an input of rank 4 (batch, height, width, channels), got shape " +
                    to_string(input_shape));
    const bool same = options_.padding == "same";
    return {input_shape[0],
            output_length(input_shape[1], kernel_size_.h, options_.strides.h, options_.dilation_rate.h, same),
            output_length(input_shape[2], kernel_size_.w, options_.strides.w, options_.dilation_rate.w, same),
            filters_};
}

nlohmann::json Conv2D::get_config() const {
    json config = Layer::get_config();
    config["filters"] = filters_;
    config["kernel_size"] = pair_json(kernel_size_);
    config["strides"] = pair_json(options_.strides);
    config["padding"] = options_.padding;
    config["data_format"] = "channels_last";
    config["dilation_rate"] = pair_json(options_.dilation_rate);
    config["activation"] = options_.activation;
    config["use_bias"] = options_.use_bias;
    config["kernel_initializer"] = initializers::serialize(*options_.kernel_initializer);
    config["bias_initializer"] = initializers::serialize(*options_.bias_initializer);
    return config;
}

void detail::register_convolutional_layers(FactoryTable& table) {
    table["Conv2D"] = [](const json& c) {
        const std::string data_format = c.value("data_format", "channels_last");
        if (data_format != "channels_last")
            throw Error("Conv2D: only data_format 'channels_last' is supported, got '" + data_format + "'");
        LayerHandle layer(Conv2D(c.at("filters").get<std::size_t>(), pair_of(c.at("kernel_size")),
                                 {.strides = pair_of(c.value("strides", json(1))),
                                  .padding = c.value("padding", "valid"),
                                  .dilation_rate = pair_of(c.value("dilation_rate", json(1))),
                                  .activation = c.value("activation", "linear"),
                                  .use_bias = c.value("use_bias", true),
                                  .kernel_initializer = c.contains("kernel_initializer")
                                                            ? detail::initializer_of(c["kernel_initializer"])
                                                            : Handle<Initializer>("glorot_uniform"),
                                  .bias_initializer = c.contains("bias_initializer")
                                                          ? detail::initializer_of(c["bias_initializer"])
                                                          : Handle<Initializer>("zeros"),
                                  .name = c.value("name", std::string())}));
        layer->set_trainable(c.value("trainable", true));
        return layer;
    };
}

}  // namespace kx::layers
