// Lambda: a layer over a C++ callable, for tensor code inside a functional graph.
//
//   auto in = kx::Input({16});
//   auto doubled = kx::layers::Lambda([](const kx::Tensor& x) { return x * 2.0f; })(in);
//   auto norm = kx::layers::Lambda([](const kx::Tensors& xs) { return xs[0] - xs[1]; })({a, b});
//
// The output shape is inferred by running the callable on zeros (batch of one), unless
// `output_shape` (without the batch) is given. The callable's ops are recorded by autograd, so a
// Lambda needs no backward pass. A Lambda has no weights; for weights, write a kx::Layer. Its
// config cannot hold C++ code, so a model with a Lambda cannot be rebuilt from its config (as
// Keras' Lambda is not portable either); register a custom layer for that.
#pragma once

#include <kerasxx/layer.hpp>

#include <functional>
#include <optional>

namespace kx::layers {

struct LambdaOptions {
    std::optional<Shape> output_shape = {};   // without the batch dimension
    std::string name = {};
};

class Lambda : public Layer {
public:
    using Options = LambdaOptions;
    using Function = std::function<Tensor(const Tensor&)>;
    using MultiFunction = std::function<Tensor(const Tensors&)>;

    explicit Lambda(Function function, Options options = {});
    explicit Lambda(MultiFunction function, Options options = {});

    Tensors call_multi(const Tensors& inputs, bool training) override;
    Shapes compute_output_shapes(const Shapes& input_shapes) override;
    nlohmann::json get_config() const override;

private:
    Function function_;
    MultiFunction multi_function_;
    Options options_;
};

}  // namespace kx::layers
