#include <kerasxx/error.hpp>
#include <kerasxx/layers/reshaping.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace kx::layers {

Flatten::Flatten(std::string name) : Layer(std::move(name)) { claim_name(); }

Tensor Flatten::call(const Tensor& inputs, bool) {
    const Shape& in = inputs.shape();
    return ops::reshape(inputs, {in[0], num_elements(Shape(in.begin() + 1, in.end()))});
}

Shape Flatten::compute_output_shape(const Shape& input_shape) {
    return {input_shape.at(0), num_elements(Shape(input_shape.begin() + 1, input_shape.end()))};
}

Reshape::Reshape(Shape target_shape, std::string name) : Layer(std::move(name)), target_shape_(std::move(target_shape)) {
    if (std::count(target_shape_.begin(), target_shape_.end(), None) > 1)
        throw Error("Reshape: at most one dimension of the target shape may be None (inferred), got " +
                    to_string(target_shape_));
    claim_name();
}

void Reshape::build(const Shape& input_shape) {
    const std::size_t in = num_elements(Shape(input_shape.begin() + 1, input_shape.end()));
    std::size_t known = 1;
    for (std::size_t d : target_shape_)
        if (d != None) known *= d;
    resolved_ = target_shape_;
    const auto unknown = std::find(resolved_.begin(), resolved_.end(), None);
    if (unknown != resolved_.end() && known != 0 && in % known == 0) *unknown = in / known;
    if (num_elements(resolved_) != in || (unknown != resolved_.end() && known == 0))
        throw Error(describe() + ": cannot reshape input of shape " + to_string(input_shape) + " (" + std::to_string(in) +
                    " values per sample) to target shape " + to_string(target_shape_));
}

Tensor Reshape::call(const Tensor& inputs, bool) {
    Shape out{inputs.shape()[0]};
    out.insert(out.end(), resolved_.begin(), resolved_.end());
    return ops::reshape(inputs, out);
}

Shape Reshape::compute_output_shape(const Shape& input_shape) {
    Shape out{input_shape.at(0)};
    out.insert(out.end(), resolved_.begin(), resolved_.end());
    return out;
}

nlohmann::json Reshape::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["target_shape"] = nlohmann::json::array();
    for (std::size_t d : target_shape_) config["target_shape"].push_back(d == None ? nlohmann::json(-1) : nlohmann::json(d));
    return config;
}

}  // namespace kx::layers
