#include "family_registration.hpp"
#include "ops/axes.hpp"
#include "tape.hpp"

#include <kerasxx/autograd.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/layers/preprocessing.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace kx::layers {

namespace {
using json = nlohmann::json;

// Keras' backend.epsilon(): the floor of a standard deviation.
constexpr float kEpsilon = 1e-7f;

// y = x * scale + offset in one pass (two broadcasting ops would make two passes and a temporary).
Tensor scale_and_shift(const Tensor& x, float scale, float offset) {
    Tensor y = Tensor::empty(x.shape());
    // y = x * scale + offset   [shape of x]
    const float* px = x.data();
    float* py = y.data();
    for (std::size_t i = 0; i < y.size(); ++i) py[i] = px[i] * scale + offset;
    return kx::detail::record("rescaling", y, {x}, [scale](const Tensor& dy, kx::detail::InputGrads& dx) {
        // dx += dy * scale   [shape of x]
        float* g = dx.acc(0).data();
        const float* pdy = dy.data();
        for (std::size_t i = 0; i < dy.size(); ++i) g[i] += pdy[i] * scale;
    });
}

// max(sqrt(variance), epsilon), elementwise: the divisor of Keras' normalization.
Tensor stddev_of(const Tensor& variance) {
    Tensor s = Tensor::empty(variance.shape());
    const float* v = variance.data();
    float* out = s.data();
    for (std::size_t i = 0; i < s.size(); ++i) out[i] = std::max(std::sqrt(v[i]), kEpsilon);
    return s;
}

// Calls f(i, k) for every element i of a row-major tensor of `shape`, with k the flat index of its
// position along the kept axes (row-major over them): an odometer, no division per element.
template <class F>
void for_each_kept(const Shape& shape, const std::vector<bool>& kept, F f) {
    const std::size_t rank = shape.size();
    std::vector<std::size_t> stride(rank, 0);   // how far k moves when coordinate d grows by one
    for (std::size_t d = rank, s = 1; d-- > 0;)
        if (kept[d]) {
            stride[d] = s;
            s *= shape[d];
        }
    const std::size_t inner = shape[rank - 1], inner_stride = stride[rank - 1];
    const std::size_t n = num_elements(shape);
    std::vector<std::size_t> coord(rank, 0);
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; i += inner) {
        for (std::size_t j = 0; j < inner; ++j) f(i + j, k + j * inner_stride);
        for (std::size_t d = rank - 1; d-- > 0;) {   // next row: carry through the outer axes
            k += stride[d];
            if (++coord[d] < shape[d]) break;
            k -= coord[d] * stride[d];
            coord[d] = 0;
        }
    }
}

// A tensor as Keras writes an array in a config (numpy's tolist()): nested lists, a number for a scalar.
json to_json(const float* data, const Shape& shape, std::size_t axis) {
    if (axis == shape.size()) return *data;
    json list = json::array();
    const std::size_t step = num_elements(Shape(shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, shape.end()));
    for (std::size_t i = 0; i < shape[axis]; ++i) list.push_back(to_json(data + i * step, shape, axis + 1));
    return list;
}

json to_json(const Tensor& t) { return t.defined() ? to_json(t.data(), t.shape(), 0) : json(nullptr); }

void flatten(const json& value, const Shape& shape, std::size_t axis, std::vector<float>& out, const char* key) {
    if (axis == shape.size()) {
        if (!value.is_number())
            throw Error(std::string("layers::deserialize: Normalization expected numbers in '") + key + "', got " +
                        value.dump());
        out.push_back(value.get<float>());
        return;
    }
    if (!value.is_array() || value.size() != shape[axis])
        throw Error(std::string("layers::deserialize: Normalization expected '") + key +
                    "' to be a number or a nested list of equal-length lists, got " + value.dump());
    for (const json& v : value) flatten(v, shape, axis + 1, out, key);
}

// The inverse of to_json; null gives an undefined tensor.
Tensor tensor_of(const json& value, const char* key) {
    if (value.is_null()) return {};
    Shape shape;
    for (const json* v = &value; v->is_array(); v = &v->front()) {
        shape.push_back(v->size());
        if (v->empty()) break;
    }
    std::vector<float> values;
    flatten(value, shape, 0, values, key);
    return Tensor(std::move(shape), std::move(values));
}
}  // namespace

Rescaling::Rescaling(double scale, Options options)
    : Layer(options.name), scale_(scale), options_(std::move(options)) {
    claim_name();
}

Tensor Rescaling::call(const Tensor& inputs, bool) {
    return scale_and_shift(inputs, static_cast<float>(scale_), static_cast<float>(options_.offset));
}

json Rescaling::get_config() const {
    json config = Layer::get_config();
    config["scale"] = scale_;
    config["offset"] = options_.offset;
    return config;
}

Normalization::Normalization(Options options) : Layer(options.name), options_(std::move(options)) {
    const Tensor& mean = options_.mean;
    const Tensor& variance = options_.variance;
    if (mean.defined() != variance.defined())
        throw Error(std::string("Normalization: when setting values directly, both mean and variance must be given; got ") +
                    (mean.defined() ? "a mean but no variance" : "a variance but no mean"));
    if (mean.defined()) {
        if (mean.shape() != variance.shape())
            throw Error("Normalization: mean and variance must have the same shape, got mean of shape " +
                        to_string(mean.shape()) + " and variance of shape " + to_string(variance.shape()));
        if (mean.rank() > options_.axis.size())
            throw Error("Normalization: the rank of mean must be at most the number of axes (" +
                        std::to_string(options_.axis.size()) + "), got mean of shape " + to_string(mean.shape()) +
                        " for axis " + kx::detail::axes_string(options_.axis));
        const float* v = variance.data();
        if (std::any_of(v, v + variance.size(), [](float x) { return !(x >= 0.0f); }))
            throw Error("Normalization: expected a non-negative variance, got " + to_json(variance).dump());
    }
    claim_name();
}

void Normalization::check_input(const Shape& input_shape, const char* what) const {
    if (input_shape.size() != kept_.size())
        throw Error(describe() + ": " + what + " expected data of rank " + std::to_string(kept_.size()) + " like " +
                    to_string(this->input_shape()) + ", got shape " + to_string(input_shape));
    for (std::size_t d = 0; d < kept_.size(); ++d)
        if (kept_[d] && input_shape[d] != this->input_shape()[d])
            throw Error(describe() + ": " + what + " expected data of shape " + to_string(this->input_shape()) +
                        " (axis " + std::to_string(d) + " has its own statistics, so its size is fixed), got shape " +
                        to_string(input_shape));
}

void Normalization::build(const Shape& input_shape) {
    const auto rank = static_cast<int>(input_shape.size());
    kept_.assign(input_shape.size(), false);
    for (const int axis : options_.axis) {
        if (axis < -rank || axis >= rank)
            throw Error(describe() + ": axis " + std::to_string(axis) + " is out of range for input of shape " +
                        to_string(input_shape) + "; expected axes in [" + std::to_string(-rank) + ", " +
                        std::to_string(rank) + ")");
        const auto d = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
        if (kept_[d])
            throw Error(describe() + ": axis " + kx::detail::axes_string(options_.axis) + " repeats axis " +
                        std::to_string(d));
        kept_[d] = true;
    }
    kept_shape_.clear();
    broadcast_shape_.clear();
    std::vector<std::size_t> kept_axes;
    for (std::size_t d = 0; d < input_shape.size(); ++d) {
        if (!kept_[d]) {
            broadcast_shape_.push_back(1);
            continue;
        }
        if (input_shape[d] == None)
            throw Error(describe() + ": axis " + std::to_string(d) +
                        " keeps its own statistics, so its size must be known; got input shape " +
                        to_string(input_shape) + ". For one mean and variance over all values use axis = {} (Keras' axis=None)");
        kept_axes.push_back(d);
        kept_shape_.push_back(input_shape[d]);
        broadcast_shape_.push_back(input_shape[d]);
    }

    if (!options_.mean.defined()) {
        mean_ = add_weight("mean", kept_shape_, {.initializer = "zeros", .trainable = false});
        variance_ = add_weight("variance", kept_shape_, {.initializer = "ones", .trainable = false});
        count_ = add_weight("count", {}, {.initializer = "zeros", .trainable = false});
        return;
    }
    // Given statistics: their dimensions meet the kept axes from the right, as in Keras.
    const Shape& given = options_.mean.shape();
    Shape expanded(input_shape.size(), 1);
    for (std::size_t i = 1; i <= given.size(); ++i) {
        const std::size_t d = kept_axes[kept_axes.size() - i];
        const std::size_t g = given[given.size() - i];
        if (g != 1 && g != input_shape[d])
            throw Error(describe() + ": the given mean and variance of shape " + to_string(given) +
                        " do not broadcast to the kept axes' shape " + to_string(kept_shape_) + " of input shape " +
                        to_string(input_shape));
        expanded[d] = g;
    }
    NoGradGuard no_grad;
    const Tensor zeros = Tensor::zeros(broadcast_shape_);
    given_mean_ = ops::add(zeros, options_.mean.detach().reshaped(expanded));
    given_stddev_ = stddev_of(ops::add(zeros, options_.variance.detach().reshaped(expanded)));
}

Shape Normalization::compute_output_shape(const Shape& input_shape) { return input_shape; }

bool Normalization::is_adapted() const {
    return options_.mean.defined() || (built() && count_.item() > 0.0f);
}

Tensor Normalization::call(const Tensor& inputs, bool) {
    Tensor mean = given_mean_, stddev = given_stddev_;
    if (!options_.mean.defined()) {
        if (!is_adapted())
            throw Error(describe() + ": the layer has no statistics yet; call adapt(data) before using it, or pass "
                        "mean and variance to the constructor");
        mean = mean_.detach().reshaped(broadcast_shape_);
        stddev = stddev_of(variance_.detach().reshaped(broadcast_shape_));
    }
    if (options_.invert) return ops::add(mean, ops::multiply(inputs, stddev));
    return ops::divide(ops::subtract(inputs, mean), stddev);
}

void Normalization::adapt(const Tensor& data) {
    if (options_.mean.defined())
        throw Error(describe() + ": adapt() would replace the mean and variance given to the constructor; "
                    "construct the layer without them to learn them from data");
    if (!data.defined() || data.rank() == 0)
        throw Error(describe() + ": adapt() expected data of shape (batch, ...), got " +
                    (data.defined() ? "a scalar, shape ()" : std::string("an undefined tensor")));
    if (built())
        check_input(data.shape(), "adapt()");
    else
        ensure_built(data.shape());
    if (data.size() == 0)
        throw Error(describe() + ": adapt() expected at least one sample, got data of shape " + to_string(data.shape()));

    // Two passes in double: the mean, then the mean squared deviation from it (numpy's biased var).
    const std::size_t features = num_elements(kept_shape_);
    const std::size_t count = data.size() / features;
    const float* x = data.data();
    std::vector<double> sum(features, 0.0), squares(features, 0.0);
    for_each_kept(data.shape(), kept_, [&](std::size_t i, std::size_t k) { sum[k] += x[i]; });
    std::vector<float> mean(features), variance(features);
    for (std::size_t k = 0; k < features; ++k) sum[k] /= static_cast<double>(count);
    for_each_kept(data.shape(), kept_, [&](std::size_t i, std::size_t k) {
        const double deviation = x[i] - sum[k];
        squares[k] += deviation * deviation;
    });
    for (std::size_t k = 0; k < features; ++k) {
        mean[k] = static_cast<float>(sum[k]);
        variance[k] = static_cast<float>(squares[k] / static_cast<double>(count));
    }
    mean_.assign(Tensor(kept_shape_, std::move(mean)));
    variance_.assign(Tensor(kept_shape_, std::move(variance)));
    count_.assign(Tensor::scalar(static_cast<float>(count)));
}

json Normalization::get_config() const {
    json config = Layer::get_config();
    config["axis"] = options_.axis;
    config["invert"] = options_.invert;
    config["mean"] = to_json(options_.mean);
    config["variance"] = to_json(options_.variance);
    return config;
}

namespace detail {

namespace {
// Keras writes axis as a tuple (a list), null for None; a bare integer is accepted too.
ops::Axes axes_of(const json& value) {
    if (value.is_null()) return {};
    if (value.is_number_integer()) return {value.get<int>()};
    return value.get<ops::Axes>();
}

double scalar_of(const json& c, const char* key, double fallback) {
    const json value = c.value(key, json(fallback));
    if (!value.is_number())
        throw Error(std::string("layers::deserialize: Rescaling supports a scalar ") + key + " only, got " + value.dump());
    return value.get<double>();
}
}  // namespace

void register_preprocessing_layers(FactoryTable& table) {
    add<Rescaling>(table, "Rescaling", [](const json& c) {
        if (!c.contains("scale")) throw Error("layers::deserialize: Rescaling needs 'scale' in its config");
        return with_trainable(LayerHandle(Rescaling(scalar_of(c, "scale", 1.0),
                                                    {.offset = scalar_of(c, "offset", 0.0), .name = name_of(c)})),
                              c);
    });
    add<Normalization>(table, "Normalization", [](const json& c) {
        return with_trainable(LayerHandle(Normalization({.axis = axes_of(c.value("axis", json::array({-1}))),
                                                         .mean = tensor_of(c.value("mean", json()), "mean"),
                                                         .variance = tensor_of(c.value("variance", json()), "variance"),
                                                         .invert = c.value("invert", false),
                                                         .name = name_of(c)})),
                              c);
    });
}

}  // namespace detail

}  // namespace kx::layers
