#include "family_registration.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/merging.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

namespace kx::layers {

namespace {
using json = nlohmann::json;

// "(None, 3) and (None, 4)", "(None, 3), (None, 3) and (None, 4)": the shapes an error names.
std::string shapes_list(const Shapes& shapes) {
    std::string out;
    for (std::size_t i = 0; i < shapes.size(); ++i)
        out += std::string(i == 0 ? "" : i + 1 == shapes.size() ? " and " : ", ") + to_string(shapes[i]);
    return out;
}

Shapes shapes_of(const Tensors& xs) {
    Shapes shapes;
    for (const Tensor& x : xs) shapes.push_back(x.shape());
    return shapes;
}

// Keras' Merge._compute_elemwise_op_output_shape on shapes without their batch axis: aligned from
// the right, each pair of sizes equal or one of them 1; unknown (None) wins. Empty if they clash.
std::optional<Shape> broadcast_features(Shape a, Shape b) {
    if (a.size() < b.size()) std::swap(a, b);
    const std::size_t lead = a.size() - b.size();
    for (std::size_t j = 0; j < b.size(); ++j) {
        std::size_t& out = a[lead + j];
        if (out == None || b[j] == None) {
            out = None;
        } else if (out == 1) {
            out = b[j];
        } else if (b[j] != 1 && b[j] != out) {
            return std::nullopt;
        }
    }
    return a;
}

// op(op(xs[0], xs[1]), xs[2])...
template <class Op>
Tensor fold(const Tensors& xs, Op op) {
    Tensor y = op(xs[0], xs[1]);
    for (std::size_t i = 2; i < xs.size(); ++i) y = op(y, xs[i]);
    return y;
}

// x with axis `from` moved to position `to`, the other axes in order.
Tensor move_axis(const Tensor& x, std::size_t from, std::size_t to) {
    if (from == to) return x;
    ops::Axes perm;
    for (std::size_t a = 0; a < x.rank(); ++a)
        if (a != from) perm.push_back(static_cast<int>(a));
    perm.insert(perm.begin() + static_cast<std::ptrdiff_t>(to), static_cast<int>(from));
    return ops::transpose(x, perm);
}

// Keras' normalize(x, axis): x / max(||x||, 1e-7), the norm taken along `axis`.
Tensor l2_normalize(const Tensor& x, std::size_t axis) {
    constexpr float epsilon = 1e-7f;
    const Tensor squares = ops::sum(ops::square(x), {static_cast<int>(axis)}, /*keepdims=*/true);
    return ops::divide(x, ops::sqrt(ops::maximum(squares, Tensor::scalar(epsilon * epsilon))));
}
}  // namespace

// --- Merge ------------------------------------------------------------------------------------

Merge::Merge(std::string name, std::size_t min_inputs, std::size_t max_inputs)
    : Layer(std::move(name)), min_inputs_(min_inputs), max_inputs_(max_inputs) {}

void Merge::check_count(const Shapes& input_shapes) const {
    const std::size_t n = input_shapes.size();
    if (n >= min_inputs_ && (max_inputs_ == 0 || n <= max_inputs_)) return;
    const std::string expected = (min_inputs_ == max_inputs_ ? "exactly " : "at least ") + std::to_string(min_inputs_);
    std::string got = std::to_string(n) + (n == 1 ? " input" : " inputs");
    if (n > 0) got += (n == 1 ? " with shape " : " with shapes ") + shapes_list(input_shapes);
    throw Error(describe() + ": expected a list of " + expected + " inputs, got " + got);
}

void Merge::build_multi(const Shapes& input_shapes) { compute_output_shapes(input_shapes); }

Shapes Merge::compute_output_shapes(const Shapes& input_shapes) {
    check_count(input_shapes);
    return {merged_shape(input_shapes)};
}

Shape Merge::compute_output_shape(const Shape& input_shape) { return compute_output_shapes({input_shape}).front(); }

Tensors Merge::call_multi(const Tensors& inputs, bool) {
    check_count(shapes_of(inputs));
    return {merge(inputs)};
}

Shape Merge::merged_shape(const Shapes& input_shapes) const {
    std::size_t batch = None;
    std::optional<Shape> features;
    for (const Shape& shape : input_shapes) {
        if (shape.empty())
            throw Error(describe() + ": expected inputs with a batch axis, got shapes " + shapes_list(input_shapes));
        if (shape[0] != None && batch != None && shape[0] != batch)
            throw Error(describe() + ": inputs must have the same batch size, got " + shapes_list(input_shapes));
        if (shape[0] != None) batch = shape[0];
        const Shape own(shape.begin() + 1, shape.end());
        features = features ? broadcast_features(*features, own) : own;
        if (!features)
            throw Error(describe() + ": inputs must have compatible shapes, got " + shapes_list(input_shapes) +
                        " (after the batch axis, sizes aligned from the right must be equal or 1)");
    }
    Shape out{batch};
    out.insert(out.end(), features->begin(), features->end());
    return out;
}

Tensors Merge::aligned(const Tensors& inputs) const {
    // The full shape check also catches unknown (None) sizes that the built shapes let through.
    merged_shape(shapes_of(inputs));
    std::size_t rank = 0;
    for (const Tensor& x : inputs) rank = std::max(rank, x.rank());
    Tensors out;
    for (const Tensor& x : inputs) {
        if (x.rank() == rank) {
            out.push_back(x);
            continue;
        }
        // (B, 4) -> (B, 1, 4) against (B, 3, 4): Keras expands at axis 1, so features align on the right.
        Shape shape = x.shape();
        shape.insert(shape.begin() + 1, rank - x.rank(), 1);
        out.push_back(ops::reshape(x, shape));
    }
    return out;
}

// --- Elementwise merges -----------------------------------------------------------------------

Add::Add(std::string name) : Merge(std::move(name), 2, 0) { claim_name(); }

Tensor Add::merge(const Tensors& inputs) const { return fold(aligned(inputs), ops::add); }

Subtract::Subtract(std::string name) : Merge(std::move(name), 2, 2) { claim_name(); }

Tensor Subtract::merge(const Tensors& inputs) const {
    const Tensors xs = aligned(inputs);
    return ops::subtract(xs[0], xs[1]);
}

Multiply::Multiply(std::string name) : Merge(std::move(name), 2, 0) { claim_name(); }

Tensor Multiply::merge(const Tensors& inputs) const { return fold(aligned(inputs), ops::multiply); }

Average::Average(std::string name) : Merge(std::move(name), 2, 0) { claim_name(); }

Tensor Average::merge(const Tensors& inputs) const {
    // Divided (not multiplied by 1/n) as Keras does, so results match it to the last bit.
    return ops::divide(fold(aligned(inputs), ops::add), Tensor::scalar(static_cast<float>(inputs.size())));
}

Maximum::Maximum(std::string name) : Merge(std::move(name), 2, 0) { claim_name(); }

Tensor Maximum::merge(const Tensors& inputs) const { return fold(aligned(inputs), ops::maximum); }

Minimum::Minimum(std::string name) : Merge(std::move(name), 2, 0) { claim_name(); }

Tensor Minimum::merge(const Tensors& inputs) const { return fold(aligned(inputs), ops::minimum); }

// --- Concatenate ------------------------------------------------------------------------------

Concatenate::Concatenate(int axis, std::string name) : Merge(std::move(name), 2, 0), axis_(axis) { claim_name(); }

Shape Concatenate::merged_shape(const Shapes& input_shapes) const {
    const std::size_t rank = input_shapes[0].size();
    for (const Shape& shape : input_shapes)
        if (shape.size() != rank)
            throw Error(describe() + ": expected inputs of the same rank, got " + shapes_list(input_shapes));
    const long long axis = axis_ < 0 ? axis_ + static_cast<long long>(rank) : axis_;
    if (axis < 0 || axis >= static_cast<long long>(rank))
        throw Error(describe() + ": axis " + std::to_string(axis_) + " is out of range for inputs of rank " +
                    std::to_string(rank) + ", got " + shapes_list(input_shapes));
    Shape out = input_shapes[0];
    for (std::size_t i = 1; i < input_shapes.size(); ++i) {
        for (std::size_t d = 0; d < rank; ++d) {
            const std::size_t size = input_shapes[i][d];
            if (d == static_cast<std::size_t>(axis)) {
                out[d] = out[d] == None || size == None ? None : out[d] + size;
            } else if (out[d] == None) {
                out[d] = size;
            } else if (size != None && size != out[d]) {
                throw Error(describe() + ": inputs must have the same shape except along the concatenation axis " +
                            std::to_string(axis_) + ", got " + shapes_list(input_shapes));
            }
        }
    }
    return out;
}

Tensor Concatenate::merge(const Tensors& inputs) const {
    merged_shape(shapes_of(inputs));   // the layer's own message, rather than ops::concat's
    return ops::concat(inputs, axis_);
}

json Concatenate::get_config() const {
    json config = Layer::get_config();
    config["axis"] = axis_;
    return config;
}

// --- Dot --------------------------------------------------------------------------------------

namespace {
std::string axes_string(const DotAxes& axes) {
    return axes.pair ? "(" + std::to_string(axes.first) + ", " + std::to_string(axes.second) + ")"
                     : std::to_string(axes.first);
}
}  // namespace

Dot::Dot(DotAxes axes, Options options) : Merge(std::move(options.name), 2, 2), axes_(axes), normalize_(options.normalize) {
    if (axes_.first == 0 || axes_.second == 0)
        throw Error("Dot: axes must not include the batch axis 0, got axes=" + axes_string(axes_));
    claim_name();
}

std::pair<std::size_t, std::size_t> Dot::resolve_axes(const Shapes& input_shapes) const {
    const Shape& a = input_shapes[0];
    const Shape& b = input_shapes[1];
    if (a.size() < 2 || b.size() < 2)
        throw Error(describe() + ": expected inputs of rank 2 or more (batch, features...), got " + shapes_list(input_shapes));
    auto resolve = [](int axis, std::size_t rank) {
        return axis < 0 ? static_cast<long long>(axis) + static_cast<long long>(rank) : static_cast<long long>(axis);
    };
    const long long first = resolve(axes_.first, a.size()), second = resolve(axes_.second, b.size());
    if (first < 1 || first >= static_cast<long long>(a.size()) || second < 1 || second >= static_cast<long long>(b.size()))
        throw Error(describe() + ": axes=" + axes_string(axes_) + " must name a non-batch axis of each input, got " +
                    shapes_list(input_shapes));
    return {static_cast<std::size_t>(first), static_cast<std::size_t>(second)};
}

Shape Dot::merged_shape(const Shapes& input_shapes) const {
    const auto [first, second] = resolve_axes(input_shapes);
    const Shape& a = input_shapes[0];
    const Shape& b = input_shapes[1];
    if (a[first] != None && b[second] != None && a[first] != b[second])
        throw Error(describe() + ": the dot axes must have the same size, got " + std::to_string(a[first]) + " (axis " +
                    std::to_string(first) + " of input 0) and " + std::to_string(b[second]) + " (axis " +
                    std::to_string(second) + " of input 1), input shapes " + shapes_list(input_shapes));
    if (a[0] != None && b[0] != None && a[0] != b[0])
        throw Error(describe() + ": inputs must have the same batch size, got " + shapes_list(input_shapes));
    Shape out{a[0] != None ? a[0] : b[0]};
    for (std::size_t d = 1; d < a.size(); ++d)
        if (d != first) out.push_back(a[d]);
    for (std::size_t d = 1; d < b.size(); ++d)
        if (d != second) out.push_back(b[d]);
    if (out.size() == 1) out.push_back(1);
    return out;
}

Tensor Dot::merge(const Tensors& inputs) const {
    const Shape out_shape = merged_shape(shapes_of(inputs));
    const auto [first, second] = resolve_axes(shapes_of(inputs));
    Tensor a = inputs[0], b = inputs[1];
    if (normalize_) {
        a = l2_normalize(a, first);
        b = l2_normalize(b, second);
    }
    // Keras' batch_dot: a's dot axis moves last, b's second, then per sample
    //   y[n, i, j] = sum_k a[n, i, k] * b[n, k, j]   [B, X, Y] = sum over k of [B, X, k, 1] * [B, 1, k, Y]
    // where X and Y are the products of the remaining axes. Written as broadcast multiply and sum,
    // since ops::matmul has no batched right operand; Dot's usual inputs (vectors) make this a
    // single elementwise product.
    a = move_axis(a, first, a.rank() - 1);
    b = move_axis(b, second, 1);
    const std::size_t batch = a.dim(0), k = a.shape().back();
    const std::size_t x = num_elements(Shape(a.shape().begin() + 1, a.shape().end() - 1));
    const std::size_t y = num_elements(Shape(b.shape().begin() + 2, b.shape().end()));
    const Tensor product = ops::multiply(ops::reshape(a, {batch, x, k, 1}), ops::reshape(b, {batch, 1, k, y}));
    return ops::reshape(ops::sum(product, {2}), out_shape);
}

json Dot::get_config() const {
    json config = Layer::get_config();
    config["axes"] = axes_.pair ? json{axes_.first, axes_.second} : json(axes_.first);
    config["normalize"] = normalize_;
    return config;
}

// --- Registration -----------------------------------------------------------------------------

namespace detail {

namespace {
template <class L>
LayerFactory merge_factory() {
    return [](const json& c) { return with_trainable(LayerHandle(L(name_of(c))), c); };
}

DotAxes dot_axes_of(const json& axes) {
    if (axes.is_array()) {
        if (axes.size() != 2)
            throw Error("layers::deserialize: Dot expects axes to be an integer or a pair of integers, got " + axes.dump());
        return {axes[0].get<int>(), axes[1].get<int>()};
    }
    return axes.get<int>();
}
}  // namespace

void register_merging_layers(FactoryTable& table) {
    add<Add>(table, "Add", merge_factory<Add>());
    add<Subtract>(table, "Subtract", merge_factory<Subtract>());
    add<Multiply>(table, "Multiply", merge_factory<Multiply>());
    add<Average>(table, "Average", merge_factory<Average>());
    add<Maximum>(table, "Maximum", merge_factory<Maximum>());
    add<Minimum>(table, "Minimum", merge_factory<Minimum>());
    add<Concatenate>(table, "Concatenate", [](const json& c) {
        return with_trainable(LayerHandle(Concatenate(c.value("axis", -1), name_of(c))), c);
    });
    add<Dot>(table, "Dot", [](const json& c) {
        return with_trainable(LayerHandle(Dot(dot_axes_of(c.at("axes")), {.normalize = c.value("normalize", false),
                                                                          .name = name_of(c)})), c);
    });
}

}  // namespace detail

}  // namespace kx::layers
