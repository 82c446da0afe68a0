// kx::SymbolicTensor: a placeholder for the data a functional model will receive (Keras'
// KerasTensor). It has a shape (batch kx::None) and remembers which layer call produced it, so a
// graph of layer calls can be turned into a model.
//
//   kx::SymbolicTensor in = kx::Input({784}, "pixels");
//   kx::SymbolicTensor h = kx::layers::Dense(64, "relu")(in);       // records a node, runs nothing
//   kx::Model model({in}, {kx::layers::Dense(10)(h)});
//
// Symbolic tensors carry no values: kx::ops do not take them. Wrap tensor code that should be
// part of a graph in a layer (kx::layers::Lambda, or a kx::Layer subclass).
#pragma once

#include <kerasxx/tensor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace kx {

class Layer;
class SymbolicTensor;
using SymbolicTensors = std::vector<SymbolicTensor>;

namespace detail {
// One call of a layer on symbolic tensors: its inputs and the shapes of its outputs. Nodes point
// back to their inputs only, so a graph is a DAG of shared pointers without ownership cycles.
struct GraphNode {
    std::shared_ptr<Layer> layer;
    std::vector<SymbolicTensor> inputs;       // empty for an Input
    std::vector<Shape> output_shapes;
};
}  // namespace detail

class SymbolicTensor {
public:
    SymbolicTensor(std::shared_ptr<detail::GraphNode> node, std::size_t index);

    const Shape& shape() const;              // batch dimension kx::None
    std::size_t rank() const { return shape().size(); }
    // The layer whose call produced this tensor (an InputLayer for model inputs).
    Layer& layer() const;
    // "dense_1" for a layer's only output, "model_1:1" for the second output of a multi-output one.
    std::string name() const;

    const std::shared_ptr<detail::GraphNode>& node() const { return node_; }
    std::size_t index() const { return index_; }   // which of the node's outputs
    bool operator==(const SymbolicTensor& other) const { return node_ == other.node_ && index_ == other.index_; }

private:
    std::shared_ptr<detail::GraphNode> node_;
    std::size_t index_;
};

// A model input of `shape` (without the batch dimension; kx::None for a dimension of any size).
// `name` empty: "input_layer", "input_layer_1", ... as Keras 3 names them.
SymbolicTensor Input(const Shape& shape, const std::string& name = {});

}  // namespace kx
