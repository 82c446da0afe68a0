// kx::Sequential: a plain stack of layers, each feeding the next.
//
//   kx::Sequential model({
//       kx::layers::Input({28, 28}),
//       kx::layers::Flatten(),
//       kx::layers::Dense(128, "relu"),
//   });
//   model.add(kx::layers::Dense(10));
//   model.summary();
//
// With an Input first, the model is built at once (summary() works before fit); otherwise it is
// built on the first batch it sees. As in Keras, the Input is not one of layers(). Once built it
// is also a functional graph: inputs(), outputs() and each layer's output() work, so
// kx::Model(model.inputs(), model.get_layer("conv2")->output()) extracts features.
#pragma once

#include <kerasxx/model.hpp>

#include <optional>

namespace kx {

class Sequential : public Model {
public:
    explicit Sequential(std::vector<LayerHandle> layers = {}, std::string name = {});

    void add(LayerHandle layer);
    void pop();
    std::vector<std::shared_ptr<Layer>> layers() const override { return layers_; }

    void build(const Shape& input_shape) override;
    Tensor call(const Tensor& inputs, bool training) override;
    Shape compute_output_shape(const Shape& input_shape) override;
    nlohmann::json get_config() const override;
    // One input, one output: the single forms above, not a graph run.
    void build_multi(const Shapes& input_shapes) override { Layer::build_multi(input_shapes); }
    Tensors call_multi(const Tensors& inputs, bool training) override { return Layer::call_multi(inputs, training); }
    Shapes compute_output_shapes(const Shapes& input_shapes) override { return Layer::compute_output_shapes(input_shapes); }

private:
    void update_graph();

    std::vector<std::shared_ptr<Layer>> layers_;
    std::optional<Shape> declared_input_;   // from an Input layer, batch included
    std::optional<SymbolicTensor> input_;   // the graph's input once built,
    SymbolicTensors layer_outputs_;         // and each layer's output in it
};

}  // namespace kx
