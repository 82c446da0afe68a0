// kx::Layer: the base of every layer, built-in or yours. Write the forward pass; autograd does
// the backward pass.
//
//   class Scale : public kx::Layer {
//   public:
//       void build(const kx::Shape& input_shape) override {
//           alpha_ = add_weight("alpha", {input_shape.back()}, "ones");
//       }
//       kx::Tensor call(const kx::Tensor& x, bool /*training*/) override { return x * alpha_; }
//   private:
//       kx::Variable alpha_;
//   };
//
// The Keras contract: the constructor stores the configuration; build(input_shape) creates the
// weights with add_weight() once the input shape is known (input_shape[0] is the batch, kx::None);
// call(inputs, training) computes; get_config() returns the constructor's arguments as JSON.
// Calling a layer, `layer(x)`, builds it on first use; a layer with weights checks later inputs
// against the shape it was built for. On a kx::Tensor the call runs at once; on a kx::SymbolicTensor (from kx::Input)
// it records a node of a functional graph instead (<kerasxx/symbolic_tensor.hpp>).
//
// Layers of several inputs or outputs (merges, models) implement the list forms instead:
// build_multi(shapes), call_multi(tensors, training) and compute_output_shapes(shapes); the
// single forms are the one-input, one-output case of those.
//
// Layers are shared, not copied: containers hold them through kx::LayerHandle (a shared_ptr that
// also accepts a layer object by value, which it moves into shared ownership). A graph node holds
// its layer the same way: a temporary layer called on a symbolic tensor, `Dense(10)(x)`, moves
// into the graph (built-in layers and those registered with kx::layers::register_layer<T>); a
// layer called twice (shared weights) lives in a LayerHandle: `kx::LayerHandle d = Dense(10);
// d(a); d(b);`.
#pragma once

#include <kerasxx/autograd.hpp>
#include <kerasxx/handle.hpp>
#include <kerasxx/constraints.hpp>
#include <kerasxx/initializers.hpp>
#include <kerasxx/regularizers.hpp>
#include <kerasxx/symbolic_tensor.hpp>
#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kx {

using Tensors = std::vector<Tensor>;
using Shapes = std::vector<Shape>;

// What add_weight() creates; only the name and shape are required.
struct WeightOptions {
    Handle<Initializer> initializer = "glorot_uniform";
    bool trainable = true;
    std::shared_ptr<Regularizer> regularizer = {};   // its penalty joins losses()
    std::shared_ptr<Constraint> constraint = {};     // applied after each optimizer update
};

class Layer : public std::enable_shared_from_this<Layer> {
public:
    // `name` empty: a unique one from the class name, like Keras ("dense", "dense_1", ...).
    explicit Layer(std::string name = {});
    virtual ~Layer();
    Layer(Layer&&) = default;              // moving into shared ownership, before first use
    Layer(const Layer&) = delete;          // copying would split one layer's weights in two
    Layer& operator=(const Layer&) = delete;
    Layer& operator=(Layer&&) = delete;

    // What a layer implements: the one-input, one-output forms...
    virtual void build(const Shape& input_shape);
    // The default is an error: a layer implements call() or call_multi().
    virtual Tensor call(const Tensor& inputs, bool training);
    // The output shape for an input shape (batch included). The default runs call() on zeros with
    // a batch of one, so layers whose output shape follows from call() need not override it.
    virtual Shape compute_output_shape(const Shape& input_shape);
    // ...or the list forms, for several inputs or outputs. By default they require one input and
    // forward to the single forms.
    virtual void build_multi(const Shapes& input_shapes);
    virtual Tensors call_multi(const Tensors& inputs, bool training);
    virtual Shapes compute_output_shapes(const Shapes& input_shapes);
    // The constructor's arguments; the base adds "name" and "trainable".
    virtual nlohmann::json get_config() const;
    // "Dense"; the default is the C++ class name without namespaces.
    virtual std::string class_name() const;
    // The position of a layer's own random sequence (seeded noise layers count their calls), so
    // that a checkpoint resumes it exactly (BackupAndRestore); 0 for layers without one.
    virtual std::uint64_t random_state() const { return 0; }
    virtual void set_random_state(std::uint64_t /*state*/) {}

    // Eager calls: build on first use, check the input shapes, compute. The list form returns the
    // layer's only output; apply() returns all of them.
    Tensor operator()(const Tensor& inputs, bool training = false);
    Tensor operator()(const Tensors& inputs, bool training = false);
    Tensors apply(const Tensors& inputs, bool training = false);

    // Symbolic calls: build on first use, infer the output shapes, record a node. A temporary
    // layer moves into the graph; a named one must already be shared (a LayerHandle).
    SymbolicTensor operator()(const SymbolicTensor& inputs) &;
    SymbolicTensor operator()(const SymbolicTensor& inputs) &&;
    SymbolicTensor operator()(const SymbolicTensors& inputs) &;
    SymbolicTensor operator()(const SymbolicTensors& inputs) &&;
    SymbolicTensors apply(const SymbolicTensors& inputs) &;
    SymbolicTensors apply(const SymbolicTensors& inputs) &&;

    // Builds for `input_shapes` (batch included) unless already built.
    void ensure_built(const Shape& input_shape);
    void ensure_built(const Shapes& input_shapes);

    const std::string& name() const;
    bool built() const { return built_; }
    const Shape& input_shape() const;    // what a one-input layer was built for, batch = kx::None
    const Shapes& input_shapes() const;  // the same for any number of inputs
    Shape output_shape() const;          // the output shape of a one-output layer

    // The symbolic tensors of the layer's calls in functional graphs (Keras' layer.input/output):
    // these need exactly one call; the _at forms pick the call. Used for feature extraction:
    // kx::Model(model.inputs(), model.get_layer("conv2")->output()).
    SymbolicTensor input() const;
    SymbolicTensor output() const;
    SymbolicTensors input_at(std::size_t node_index) const;
    SymbolicTensors output_at(std::size_t node_index) const;
    std::size_t inbound_node_count() const;

    // The regularization losses: the weight regularizers' penalties (computed now, recorded for
    // autograd) and those add_loss() recorded during the last top-level call. Containers (models)
    // override it to include their layers'.
    virtual Tensors losses() const;
    // Drops the losses recorded by add_loss(); done at the start of every top-level call.
    virtual void clear_losses();

    // Weights, Keras-style. Containers (models) override weights() to include their layers'.
    virtual std::vector<Variable> weights() const;
    std::vector<Variable> trainable_weights() const;
    std::vector<Variable> non_trainable_weights() const;
    std::vector<Tensor> get_weights() const;                // copies of the values
    void set_weights(const std::vector<Tensor>& values);    // count and shapes must match
    std::size_t count_params() const;

    bool trainable() const { return trainable_; }
    virtual void set_trainable(bool trainable);             // freezes or unfreezes every weight

protected:
    Variable add_weight(const std::string& name, const Shape& shape,
                        const Handle<Initializer>& initializer = "glorot_uniform", bool trainable = true);
    Variable add_weight(const std::string& name, const Shape& shape, WeightOptions options);
    // A loss computed during call() (an activity regularizer's penalty), recorded for autograd.
    void add_loss(const Tensor& loss);
    // Keras' activity_regularizer: after every call, add_loss(regularizer(output)), as Keras 3 does.
    void set_activity_regularizer(std::shared_ptr<Regularizer> regularizer);
    const std::shared_ptr<Regularizer>& activity_regularizer() const { return activity_regularizer_; }
    // Takes the next automatic name now. Built-in layers call it in their constructor, so that names
    // follow construction order as in Keras; other layers are named when first asked or used.
    void claim_name() const { name(); }
    // "Dense 'dense_2'": how errors name this layer.
    std::string describe() const;

private:
    friend SymbolicTensor Input(const Shape& shape, const std::string& name);   // records the Input's node
    std::shared_ptr<Layer> shared_for_graph(bool temporary);
    SymbolicTensors record_node(std::shared_ptr<Layer> self, const SymbolicTensors& inputs);
    void check_input_shapes(const Shapes& got) const;

    mutable std::string name_;
    std::vector<Variable> weights_;
    std::vector<bool> declared_trainable_;   // as add_weight() made them; set_trainable(true) restores these
    std::vector<std::pair<Variable, std::shared_ptr<Regularizer>>> regularized_;
    Tensors call_losses_;
    std::shared_ptr<Regularizer> activity_regularizer_;
    Shapes input_shapes_;
    std::vector<std::weak_ptr<detail::GraphNode>> inbound_nodes_;   // the graph owns the nodes
    bool built_ = false;
    bool trainable_ = true;
};

// A shared layer: a Handle<Layer> that can also be called, so one layer serves several calls.
class LayerHandle : public Handle<Layer> {
public:
    using Handle<Layer>::Handle;
    LayerHandle(Handle<Layer> handle) : Handle<Layer>(std::move(handle)) {}   // NOLINT

    Tensor operator()(const Tensor& inputs, bool training = false) const { return (**this)(inputs, training); }
    Tensor operator()(const Tensors& inputs, bool training = false) const { return (**this)(inputs, training); }
    SymbolicTensor operator()(const SymbolicTensor& inputs) const { return (**this)(inputs); }
    SymbolicTensor operator()(const SymbolicTensors& inputs) const { return (**this)(inputs); }
};

namespace backend {
// Resets the counters behind automatic layer names, like keras.backend.clear_session().
void clear_session();
}  // namespace backend

// A unique name for a new object of `prefix` ("dense" -> "dense", then "dense_1", ...).
std::string unique_object_name(const std::string& prefix);

}  // namespace kx
