#include "family_registration.hpp"
#include "ops/window.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/pooling.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

namespace kx::layers {

namespace {
using json = nlohmann::json;

using kx::detail::size2_string;

// One spatial dimension of the output, by TF's rule; None stays None.
std::size_t pooled_dim(std::size_t in, std::size_t pool, std::size_t stride, const std::string& padding) {
    return in == None ? None : kx::detail::window_axis(in, pool, stride, 1, padding == "same").out;
}
}  // namespace

Pooling2D::Pooling2D(const char* class_name, Size2 pool_size, Pooling2DOptions options)
    : Layer(std::move(options.name)),
      pool_size_(pool_size),
      strides_(options.strides.value_or(pool_size)),
      padding_(std::move(options.padding)) {
    // Checked here, not only in the op, so that a bad layer fails where it is written, as in Keras.
    const std::string where = class_name;
    if (pool_size_.h == 0 || pool_size_.w == 0)
        throw Error(where + ": expected a positive pool_size, got " + size2_string(pool_size_));
    if (strides_.h == 0 || strides_.w == 0)
        throw Error(where + ": expected positive strides, got " + size2_string(strides_));
    if (padding_ != "valid" && padding_ != "same")
        throw Error(where + ": unknown padding '" + padding_ + "'; expected one of: valid, same");
}

void Pooling2D::check_input(const Shape& input_shape) const {
    if (input_shape.size() != 4)
        throw Error(describe() + ": expected input of rank 4 (batch, height, width, channels), got shape " +
                    to_string(input_shape));
    const bool too_small = (input_shape[1] != None && pool_size_.h > input_shape[1]) ||
                           (input_shape[2] != None && pool_size_.w > input_shape[2]);
    if (padding_ == "valid" && too_small)
        throw Error(describe() + ": pool_size " + size2_string(pool_size_) + " is larger than the input " +
                    to_string(input_shape) + " with padding 'valid'; use padding 'same' or a smaller pool");
}

void Pooling2D::build(const Shape& input_shape) { check_input(input_shape); }

Shape Pooling2D::compute_output_shape(const Shape& input_shape) {
    check_input(input_shape);
    return {input_shape[0], pooled_dim(input_shape[1], pool_size_.h, strides_.h, padding_),
            pooled_dim(input_shape[2], pool_size_.w, strides_.w, padding_), input_shape[3]};
}

json Pooling2D::get_config() const {
    json config = Layer::get_config();
    config["pool_size"] = {pool_size_.h, pool_size_.w};
    config["strides"] = {strides_.h, strides_.w};
    config["padding"] = padding_;
    config["data_format"] = "channels_last";
    return config;
}

MaxPooling2D::MaxPooling2D(Size2 pool_size, Options options)
    : Pooling2D("MaxPooling2D", pool_size, std::move(options)) {
    claim_name();
}

Tensor MaxPooling2D::call(const Tensor& inputs, bool) {
    return ops::max_pool2d(inputs, pool_size_, strides_, padding_);
}

AveragePooling2D::AveragePooling2D(Size2 pool_size, Options options)
    : Pooling2D("AveragePooling2D", pool_size, std::move(options)) {
    claim_name();
}

Tensor AveragePooling2D::call(const Tensor& inputs, bool) {
    return ops::avg_pool2d(inputs, pool_size_, strides_, padding_);
}

GlobalPooling::GlobalPooling(std::size_t rank, GlobalPoolingOptions options)
    : Layer(std::move(options.name)), keepdims_(options.keepdims), rank_(rank) {}

void GlobalPooling::build(const Shape& input_shape) { compute_output_shape(input_shape); }

Shape GlobalPooling::compute_output_shape(const Shape& input_shape) {
    if (input_shape.size() != rank_)
        throw Error(describe() + ": expected input of rank " + std::to_string(rank_) + " " +
                    (rank_ == 4 ? "(batch, height, width, channels)" : "(batch, steps, features)") + ", got shape " +
                    to_string(input_shape));
    if (!keepdims_) return {input_shape.front(), input_shape.back()};
    Shape kept(rank_, 1);   // (batch, 1, [1,] channels)
    kept.front() = input_shape.front();
    kept.back() = input_shape.back();
    return kept;
}

json GlobalPooling::get_config() const {
    json config = Layer::get_config();
    config["data_format"] = "channels_last";
    config["keepdims"] = keepdims_;
    return config;
}

GlobalAveragePooling2D::GlobalAveragePooling2D(Options options) : GlobalPooling(4, std::move(options)) { claim_name(); }

Tensor GlobalAveragePooling2D::call(const Tensor& inputs, bool) { return ops::mean(inputs, {1, 2}, keepdims_); }

GlobalMaxPooling2D::GlobalMaxPooling2D(Options options) : GlobalPooling(4, std::move(options)) { claim_name(); }

Tensor GlobalMaxPooling2D::call(const Tensor& inputs, bool) { return ops::max(inputs, {1, 2}, keepdims_); }

Pooling1D::Pooling1D(const char* class_name, std::size_t pool_size, Pooling1DOptions options)
    : Layer(std::move(options.name)),
      pool_size_(pool_size),
      strides_(options.strides.value_or(pool_size)),
      padding_(std::move(options.padding)) {
    const std::string where = class_name;
    if (pool_size_ == 0) throw Error(where + ": expected a positive pool_size, got 0");
    if (strides_ == 0) throw Error(where + ": expected positive strides, got 0");
    if (padding_ != "valid" && padding_ != "same")
        throw Error(where + ": unknown padding '" + padding_ + "'; expected one of: valid, same");
}

void Pooling1D::check_input(const Shape& input_shape) const {
    if (input_shape.size() != 3)
        throw Error(describe() + ": expected input of rank 3 (batch, steps, features), got shape " + to_string(input_shape));
    if (padding_ == "valid" && input_shape[1] != None && pool_size_ > input_shape[1])
        throw Error(describe() + ": pool_size " + std::to_string(pool_size_) + " is larger than the " +
                    std::to_string(input_shape[1]) + " steps of the input " + to_string(input_shape) +
                    " with padding 'valid'; use padding 'same' or a smaller pool");
}

void Pooling1D::build(const Shape& input_shape) { check_input(input_shape); }

Shape Pooling1D::compute_output_shape(const Shape& input_shape) {
    check_input(input_shape);
    return {input_shape[0], pooled_dim(input_shape[1], pool_size_, strides_, padding_), input_shape[2]};
}

json Pooling1D::get_config() const {
    json config = Layer::get_config();
    config["pool_size"] = {pool_size_};   // Keras writes 1-tuples
    config["strides"] = {strides_};
    config["padding"] = padding_;
    config["data_format"] = "channels_last";
    return config;
}

Tensor Pooling1D::pool(const Tensor& inputs, Pool2D pool2d) const {
    // (batch, steps, features) -> (batch, 1, steps, features) -> pooled -> (batch, steps', features)
    const Shape& in = inputs.shape();
    const Tensor pooled = pool2d(ops::reshape(inputs, {in[0], 1, in[1], in[2]}), {1, pool_size_}, {1, strides_}, padding_);
    return ops::reshape(pooled, {in[0], pooled.shape()[2], in[2]});
}

MaxPooling1D::MaxPooling1D(std::size_t pool_size, Options options)
    : Pooling1D("MaxPooling1D", pool_size, std::move(options)) {
    claim_name();
}

Tensor MaxPooling1D::call(const Tensor& inputs, bool) { return pool(inputs, &ops::max_pool2d); }

AveragePooling1D::AveragePooling1D(std::size_t pool_size, Options options)
    : Pooling1D("AveragePooling1D", pool_size, std::move(options)) {
    claim_name();
}

Tensor AveragePooling1D::call(const Tensor& inputs, bool) { return pool(inputs, &ops::avg_pool2d); }

GlobalAveragePooling1D::GlobalAveragePooling1D(Options options) : GlobalPooling(3, std::move(options)) { claim_name(); }

Tensor GlobalAveragePooling1D::call(const Tensor& inputs, bool) { return ops::mean(inputs, {1}, keepdims_); }

GlobalMaxPooling1D::GlobalMaxPooling1D(Options options) : GlobalPooling(3, std::move(options)) { claim_name(); }

Tensor GlobalMaxPooling1D::call(const Tensor& inputs, bool) { return ops::max(inputs, {1}, keepdims_); }

namespace detail {

namespace {
Size2 size2_of(const json& value) {
    if (value.is_number_unsigned()) return value.get<std::size_t>();
    return {value.at(0).get<std::size_t>(), value.at(1).get<std::size_t>()};
}

template <class L>
LayerFactory pooling_factory(const std::string& class_name) {
    return [class_name](const json& c) {
        require_channels_last(class_name, c);
        Pooling2DOptions options{.padding = c.value("padding", "valid"), .name = c.value("name", std::string())};
        if (c.contains("strides") && !c["strides"].is_null()) options.strides = size2_of(c["strides"]);
        LayerHandle layer(L(size2_of(c.value("pool_size", json(2))), std::move(options)));
        layer->set_trainable(c.value("trainable", true));
        return layer;
    };
}

// A 1-D pool_size or strides: Keras writes a 1-tuple; an int is accepted too.
std::size_t size1_of(const json& value) { return value.is_array() ? value.at(0).get<std::size_t>() : value.get<std::size_t>(); }

template <class L>
LayerFactory pooling1d_factory(const std::string& class_name) {
    return [class_name](const json& c) {
        require_channels_last(class_name, c);
        Pooling1DOptions options{.padding = c.value("padding", "valid"), .name = c.value("name", std::string())};
        if (c.contains("strides") && !c["strides"].is_null()) options.strides = size1_of(c["strides"]);
        LayerHandle layer(L(size1_of(c.value("pool_size", json(2))), std::move(options)));
        layer->set_trainable(c.value("trainable", true));
        return layer;
    };
}

template <class L>
LayerFactory global_pooling_factory(const std::string& class_name) {
    return [class_name](const json& c) {
        require_channels_last(class_name, c);
        LayerHandle layer(L({.keepdims = c.value("keepdims", false), .name = c.value("name", std::string())}));
        layer->set_trainable(c.value("trainable", true));
        return layer;
    };
}
}  // namespace

void register_pooling_layers(FactoryTable& table) {
    add<MaxPooling2D>(table, "MaxPooling2D", pooling_factory<MaxPooling2D>("MaxPooling2D"));
    add<AveragePooling2D>(table, "AveragePooling2D", pooling_factory<AveragePooling2D>("AveragePooling2D"));
    add<GlobalAveragePooling2D>(table, "GlobalAveragePooling2D", global_pooling_factory<GlobalAveragePooling2D>("GlobalAveragePooling2D"));
    add<GlobalMaxPooling2D>(table, "GlobalMaxPooling2D", global_pooling_factory<GlobalMaxPooling2D>("GlobalMaxPooling2D"));
    add<MaxPooling1D>(table, "MaxPooling1D", pooling1d_factory<MaxPooling1D>("MaxPooling1D"));
    add<AveragePooling1D>(table, "AveragePooling1D", pooling1d_factory<AveragePooling1D>("AveragePooling1D"));
    add<GlobalAveragePooling1D>(table, "GlobalAveragePooling1D", global_pooling_factory<GlobalAveragePooling1D>("GlobalAveragePooling1D"));
    add<GlobalMaxPooling1D>(table, "GlobalMaxPooling1D", global_pooling_factory<GlobalMaxPooling1D>("GlobalMaxPooling1D"));
}

}  // namespace detail

}  // namespace kx::layers
