#include <kerasxx/error.hpp>
#include <kerasxx/layer.hpp>
#include <kerasxx/layers/core.hpp>
#include <kerasxx/symbolic_tensor.hpp>

namespace kx {

SymbolicTensor::SymbolicTensor(std::shared_ptr<detail::GraphNode> node, std::size_t index)
    : node_(std::move(node)), index_(index) {
    if (!node_ || index_ >= node_->output_shapes.size())
        throw Error("SymbolicTensor: expected an output index below " +
                    std::to_string(node_ ? node_->output_shapes.size() : 0) + ", got " + std::to_string(index_));
}

const Shape& SymbolicTensor::shape() const { return node_->output_shapes[index_]; }

Layer& SymbolicTensor::layer() const { return *node_->layer; }

std::string SymbolicTensor::name() const {
    const std::string& layer_name = node_->layer->name();
    return node_->output_shapes.size() == 1 ? layer_name : layer_name + ":" + std::to_string(index_);
}

SymbolicTensor Input(const Shape& shape, const std::string& name) {
    auto layer = std::make_shared<layers::Input>(shape, name);
    Shape batch_shape{None};
    batch_shape.insert(batch_shape.end(), shape.begin(), shape.end());
    layer->ensure_built(batch_shape);
    auto node = std::make_shared<detail::GraphNode>(detail::GraphNode{layer, {}, {batch_shape}});
    layer->inbound_nodes_.push_back(node);
    return SymbolicTensor(node, 0);
}

}  // namespace kx
