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
    claim_name();
}

void Dense::build(const Shape& input_shape) {
    if (input_shape.size() < 2)
        throw Error(describe() + ": expected an input of rank >= 2 (batch, features), got shape " + to_string(input_shape));
    kernel_ = add_weight("kernel", {input_shape.back(), units_}, options_.kernel_initializer);
    if (options_.use_bias) bias_ = add_weight("bias", {units_}, options_.bias_initializer);
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

}  // namespace kx::layers
