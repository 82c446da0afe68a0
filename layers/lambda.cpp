#include <kerasxx/autograd.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/layers/lambda.hpp>

#include <nlohmann/json.hpp>

namespace kx::layers {

Lambda::Lambda(Function function, Options options)
    : Layer(options.name), function_(std::move(function)), options_(std::move(options)) {
    if (!function_) throw Error("Lambda: expected a callable, got an empty function");
    claim_name();
}

Lambda::Lambda(MultiFunction function, Options options)
    : Layer(options.name), multi_function_(std::move(function)), options_(std::move(options)) {
    if (!multi_function_) throw Error("Lambda: expected a callable, got an empty function");
    claim_name();
}

Tensors Lambda::call_multi(const Tensors& inputs, bool) {
    if (multi_function_) return {multi_function_(inputs)};
    if (inputs.size() != 1)
        throw Error(describe() + ": its function takes one tensor, got " + std::to_string(inputs.size()) +
                    " inputs; give a function of kx::Tensors for several");
    return {function_(inputs[0])};
}

Shapes Lambda::compute_output_shapes(const Shapes& input_shapes) {
    if (options_.output_shape) {
        Shape shape{input_shapes.at(0).at(0)};
        shape.insert(shape.end(), options_.output_shape->begin(), options_.output_shape->end());
        return {shape};
    }
    std::string shapes;
    for (const Shape& s : input_shapes) shapes += (shapes.empty() ? "" : ", ") + to_string(s);
    try {
        return Layer::compute_output_shapes(input_shapes);
    } catch (const std::exception& e) {
        throw Error(describe() + ": could not infer the output shape for input shape " + shapes +
                    " by running the function on zeros (" + e.what() + "); give LambdaOptions::output_shape");
    }
}

nlohmann::json Lambda::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["function"] = "<C++ callable>";
    if (options_.output_shape) config["output_shape"] = *options_.output_shape;
    return config;
}

}  // namespace kx::layers
