// Merge layers: combine a list of tensors into one (Keras 3's keras.layers.merging).
//
//   auto a = kx::Input({16}), b = kx::Input({16}), seq = kx::Input({10, 16});
//   auto sum    = kx::layers::Add()({a, b});                          // (None, 16)
//   auto both   = kx::layers::Concatenate()({a, b});                  // (None, 32)
//   auto cosine = kx::layers::Dot(1, {.normalize = true})({a, b});    // (None, 1)
//   auto scores = kx::layers::Dot({2, 1})({seq, a});                  // (None, 10)
//   kx::Tensor m = kx::layers::Maximum()({x, y});                     // eager, on kx::Tensors
//
// Elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) take inputs whose
// shapes after the batch axis agree, or differ only where one of them is 1 (that input is
// broadcast); an input of lower rank gets size-1 axes inserted after its batch axis first, so
// (None, 3, 4) and (None, 4) merge to (None, 3, 4), as in Keras. Batch sizes must be equal.
// Every merge needs at least 2 inputs (Keras 3 accepts one for some merges, where the merge is
// the identity: here a single input is an error, as in Keras 2, since it is always a mistake).
#pragma once

#include <kerasxx/layer.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace kx::layers {

// What every merge shares: the input count check, and the single-tensor forms, which are errors.
// A merge implements merged_shape() (validation and output shape) and merge() (the computation).
class Merge : public Layer {
public:
    void build_multi(const Shapes& input_shapes) override;
    Tensors call_multi(const Tensors& inputs, bool training) override;
    Shapes compute_output_shapes(const Shapes& input_shapes) override;
    Shape compute_output_shape(const Shape& input_shape) override;   // one input: an error

protected:
    // max_inputs 0: no limit.
    Merge(std::string name, std::size_t min_inputs, std::size_t max_inputs);
    // The output shape (batch included) for `input_shapes`, whose count is already checked; a
    // kx::Error naming the layer and the shapes when they cannot merge. The default is the
    // elementwise rule (see the top of this header).
    virtual Shape merged_shape(const Shapes& input_shapes) const;
    // The output for `inputs`, whose count is already checked.
    virtual Tensor merge(const Tensors& inputs) const = 0;
    // The inputs of an elementwise merge, with size-1 axes inserted after the batch axis of those
    // of lower rank, so that numpy broadcasting aligns their feature axes. Checks the batch sizes.
    Tensors aligned(const Tensors& inputs) const;

private:
    void check_count(const Shapes& input_shapes) const;

    std::size_t min_inputs_;
    std::size_t max_inputs_;
};

// inputs[0] + inputs[1] + ...
class Add : public Merge {
public:
    explicit Add(std::string name = {});

protected:
    Tensor merge(const Tensors& inputs) const override;
};

// inputs[0] - inputs[1]; exactly 2 inputs.
class Subtract : public Merge {
public:
    explicit Subtract(std::string name = {});

protected:
    Tensor merge(const Tensors& inputs) const override;
};

// inputs[0] * inputs[1] * ...
class Multiply : public Merge {
public:
    explicit Multiply(std::string name = {});

protected:
    Tensor merge(const Tensors& inputs) const override;
};

// (inputs[0] + inputs[1] + ...) / n
class Average : public Merge {
public:
    explicit Average(std::string name = {});

protected:
    Tensor merge(const Tensors& inputs) const override;
};

// The elementwise maximum; on ties the gradient is shared equally (kx::ops::maximum).
class Maximum : public Merge {
public:
    explicit Maximum(std::string name = {});

protected:
    Tensor merge(const Tensors& inputs) const override;
};

// The elementwise minimum; on ties the gradient is shared equally (kx::ops::minimum).
class Minimum : public Merge {
public:
    explicit Minimum(std::string name = {});

protected:
    Tensor merge(const Tensors& inputs) const override;
};

// The inputs joined along `axis` (negative: counted from the end). They must have the same rank
// and the same size on every other axis.
class Concatenate : public Merge {
public:
    explicit Concatenate(int axis = -1, std::string name = {});
    nlohmann::json get_config() const override;
    int axis() const { return axis_; }

protected:
    Shape merged_shape(const Shapes& input_shapes) const override;
    Tensor merge(const Tensors& inputs) const override;

private:
    int axis_;
};

// Dot's axes, Keras style: one axis for both inputs (Dot(1)), or one per input (Dot({2, 1})).
// Negative axes count from the end of each input's shape; the batch axis 0 is not allowed.
struct DotAxes {
    DotAxes(int axis) : first(axis), second(axis), pair(false) {}   // NOLINT: Dot(1) as in Keras
    DotAxes(int first_axis, int second_axis) : first(first_axis), second(second_axis), pair(true) {}
    int first;
    int second;
    bool pair;   // given as a pair: the config writes [first, second] rather than one integer
};

struct DotOptions {
    bool normalize = false;   // l2-normalise both inputs along their dot axes: cosine similarity
    std::string name = {};
};

// Keras' batch_dot of exactly 2 inputs of rank >= 2: for each sample, the sum over the dot axes
// of the product. The output's shape is input 0's without its dot axis, followed by input 1's
// without its batch and dot axes; (batch, 1) when that leaves only the batch axis. So (B, n) and
// (B, n) give (B, 1); (B, a, k) and (B, k, d) with axes (2, 1) give (B, a, d).
class Dot : public Merge {
public:
    using Options = DotOptions;
    explicit Dot(DotAxes axes, Options options = {});
    nlohmann::json get_config() const override;
    const DotAxes& axes() const { return axes_; }
    bool normalize() const { return normalize_; }

protected:
    Shape merged_shape(const Shapes& input_shapes) const override;
    Tensor merge(const Tensors& inputs) const override;

private:
    // The two axes, resolved against the inputs' ranks (a kx::Error for the batch axis or one out of range).
    std::pair<std::size_t, std::size_t> resolve_axes(const Shapes& input_shapes) const;

    DotAxes axes_;
    bool normalize_;
};

}  // namespace kx::layers
