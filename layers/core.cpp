#include "family_registration.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/core.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

namespace kx::layers {

Input::Input(Shape shape, std::string name) : Layer(std::move(name)), shape_(std::move(shape)) {
    claim_name();
    for (std::size_t d : shape_)
        if (d == 0 || d == None)
            throw Error("Input: expected a shape of positive dimensions without the batch, got " + to_string(shape_));
}

Tensor Input::call(const Tensor& inputs, bool) { return inputs; }

nlohmann::json Input::get_config() const {
    nlohmann::json config = Layer::get_config();
    Shape batch_shape{None};
    batch_shape.insert(batch_shape.end(), shape_.begin(), shape_.end());
    config["batch_shape"] = nlohmann::json::array();
    for (std::size_t d : batch_shape) config["batch_shape"].push_back(d == None ? nlohmann::json() : nlohmann::json(d));
    return config;
}

Dense::Dense(std::size_t units, Options options)
    : Layer(options.name), units_(units), options_(std::move(options)), activation_(activations::get(options_.activation)) {
    if (units == 0)
        throw Error("Dense: received an invalid value for units, expected a positive integer. Received: units=0");
    set_activity_regularizer(options_.activity_regularizer);
    claim_name();
}

void Dense::build(const Shape& input_shape) {
    if (input_shape.size() < 2)
        throw Error(describe() + ": expected an input of rank >= 2 (batch, features), got shape " + to_string(input_shape));
    kernel_ = add_weight("kernel", {input_shape.back(), units_},
                         {.initializer = options_.kernel_initializer,
                          .regularizer = options_.kernel_regularizer,
                          .constraint = options_.kernel_constraint});
    if (options_.use_bias)
        bias_ = add_weight("bias", {units_},
                           {.initializer = options_.bias_initializer,
                            .regularizer = options_.bias_regularizer,
                            .constraint = options_.bias_constraint});
}

Tensor Dense::call(const Tensor& inputs, bool) {
    // Dense acts on the last axis: fold any leading axes into the batch for one GEMM.
    const Shape& in = inputs.shape();
    const bool folded = in.size() > 2;
    Tensor x = folded ? ops::reshape(inputs, {None, in.back()}) : inputs;
    const bool fused = ops::dense_fuses(options_.activation);
    Tensor y = ops::dense(x, kernel_, bias_, fused ? options_.activation : "linear");
    if (!fused) y = activation_(y);
    if (!folded) return y;
    Shape out(in.begin(), in.end() - 1);
    out.push_back(units_);
    return ops::reshape(y, out);
}

Shape Dense::compute_output_shape(const Shape& input_shape) {
    Shape out = input_shape;
    out.back() = units_;
    return out;
}

nlohmann::json Dense::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["units"] = units_;
    config["activation"] = options_.activation;
    config["use_bias"] = options_.use_bias;
    config["kernel_initializer"] = initializers::serialize(*options_.kernel_initializer);
    config["bias_initializer"] = initializers::serialize(*options_.bias_initializer);
    config["kernel_regularizer"] = regularizers::serialize(options_.kernel_regularizer);
    config["bias_regularizer"] = regularizers::serialize(options_.bias_regularizer);
    config["activity_regularizer"] = regularizers::serialize(options_.activity_regularizer);
    config["kernel_constraint"] = constraints::serialize(options_.kernel_constraint);
    config["bias_constraint"] = constraints::serialize(options_.bias_constraint);
    return config;
}

Activation::Activation(std::string activation, std::string name)
    : Layer(std::move(name)), activation_name_(std::move(activation)), activation_(activations::get(activation_name_)) {
    claim_name();
}

Tensor Activation::call(const Tensor& inputs, bool) { return activation_(inputs); }

nlohmann::json Activation::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["activation"] = activation_name_;
    return config;
}

Identity::Identity(std::string name) : Layer(std::move(name)) { claim_name(); }

Tensor Identity::call(const Tensor& inputs, bool) { return inputs; }

void detail::register_core_layers(FactoryTable& table) {
    using json = nlohmann::json;
    add<Input>(table, "InputLayer", [](const json& c) { return LayerHandle(Input(shape_of(c.at("batch_shape"), true), name_of(c))); });
    add<Dense>(table, "Dense", [](const json& c) {
        return with_trainable(Dense(c.at("units").get<std::size_t>(),
                                    {.activation = c.value("activation", "linear"),
                                     .use_bias = c.value("use_bias", true),
                                     .kernel_initializer = initializer_of(c.value("kernel_initializer", json("glorot_uniform"))),
                                     .bias_initializer = initializer_of(c.value("bias_initializer", json("zeros"))),
                                     .kernel_regularizer = regularizers::deserialize(c.value("kernel_regularizer", json())),
                                     .bias_regularizer = regularizers::deserialize(c.value("bias_regularizer", json())),
                                     .activity_regularizer = regularizers::deserialize(c.value("activity_regularizer", json())),
                                     .kernel_constraint = constraints::deserialize(c.value("kernel_constraint", json())),
                                     .bias_constraint = constraints::deserialize(c.value("bias_constraint", json())),
                                     .name = name_of(c)}),
                              c);
    });
    add<Activation>(table, "Activation", [](const json& c) {
        return with_trainable(Activation(c.at("activation").get<std::string>(), name_of(c)), c);
    });
    add<Identity>(table, "Identity", [](const json& c) { return with_trainable(Identity(name_of(c)), c); });
}

}  // namespace kx::layers
