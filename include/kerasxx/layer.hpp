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
// Calling a layer, `layer(x)`, builds it on first use and checks later inputs against the shape it
// was built for.
//
// Layers are shared, not copied: containers hold them through kx::LayerHandle (a shared_ptr that
// also accepts a layer object by value, which it moves into shared ownership).
#pragma once

#include <kerasxx/autograd.hpp>
#include <kerasxx/handle.hpp>
#include <kerasxx/initializers.hpp>
#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace kx {

class Layer {
public:
    // `name` empty: a unique one from the class name, like Keras ("dense", "dense_1", ...).
    explicit Layer(std::string name = {});
    virtual ~Layer();
    Layer(Layer&&) = default;              // moving into shared ownership, before first use
    Layer(const Layer&) = delete;          // copying would split one layer's weights in two
    Layer& operator=(const Layer&) = delete;
    Layer& operator=(Layer&&) = delete;

    // What a layer implements.
    virtual void build(const Shape& input_shape);
    virtual Tensor call(const Tensor& inputs, bool training) = 0;
    // The output shape for an input shape (batch included). The default runs call() on zeros with
    // a batch of one, so layers whose output shape follows from call() need not override it.
    virtual Shape compute_output_shape(const Shape& input_shape);
    // The constructor's arguments; the base adds "name" and "trainable".
    virtual nlohmann::json get_config() const;
    // "Dense"; the default is the C++ class name without namespaces.
    virtual std::string class_name() const;

    // Builds on first use, checks the input shape, calls call().
    Tensor operator()(const Tensor& inputs, bool training = false);
    // Builds for `input_shape` (batch included) unless already built.
    void ensure_built(const Shape& input_shape);

    const std::string& name() const;
    bool built() const { return built_; }
    const Shape& input_shape() const;    // what it was built for, batch = kx::None
    Shape output_shape() const;

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
    // Takes the next automatic name now. Built-in layers call it in their constructor, so that names
    // follow construction order as in Keras; other layers are named when first asked or used.
    void claim_name() const { name(); }
    // "Dense 'dense_2'": how errors name this layer.
    std::string describe() const;

private:
    mutable std::string name_;
    std::vector<Variable> weights_;
    std::vector<bool> declared_trainable_;   // as add_weight() made them; set_trainable(true) restores these
    Shape input_shape_;
    bool built_ = false;
    bool trainable_ = true;
};

using LayerHandle = Handle<Layer>;

namespace backend {
// Resets the counters behind automatic layer names, like keras.backend.clear_session().
void clear_session();
}  // namespace backend

// A unique name for a new object of `prefix` ("dense" -> "dense", then "dense_1", ...).
std::string unique_object_name(const std::string& prefix);

}  // namespace kx
