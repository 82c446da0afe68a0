#include "family_registration.hpp"
#include "ops/axes.hpp"
#include "ops/window.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/reshaping.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace kx::layers {

namespace {
using json = nlohmann::json;

// "(1, 2)" and "((1, 2), (0, 0))", as Python prints the tuples.
std::string margins_string(Margins m) {
    std::string s = "(";
    s += std::to_string(m.before) + ", " + std::to_string(m.after) + ")";
    return s;
}
std::string margins2_string(Margins2 m) {
    std::string s = "(";   // appended: GCC 12 warns falsely (-Wrestrict) on "(" + std::string
    s += margins_string(m.height) + ", " + margins_string(m.width) + ")";
    return s;
}

json margins_json(Margins m) { return {m.before, m.after}; }
json margins2_json(Margins2 m) { return {margins_json(m.height), margins_json(m.width)}; }

// The input rank a layer requires, or a kx::Error naming the layer and the expected layout.
void require_rank(const std::string& who, const Shape& input_shape, std::size_t rank, const char* layout) {
    if (input_shape.size() != rank)
        throw Error(who + ": expected input of rank " + std::to_string(rank) + " " + layout + ", got shape " +
                    to_string(input_shape));
}
constexpr const char* sequence_layout = "(batch, steps, features)";
constexpr const char* image_layout = "(batch, height, width, channels)";

// Cropping must leave at least one element of each cropped axis, as in Keras.
void require_croppable(const std::string& who, const Shape& input_shape, std::size_t axis, Margins cropping,
                       const std::string& cropping_text, const char* unit) {
    const std::size_t dim = input_shape[axis];
    if (dim != None && cropping.before + cropping.after >= dim)
        throw Error(who + ": cropping " + cropping_text + " removes " + std::to_string(cropping.before + cropping.after) +
                    " of the " + std::to_string(dim) + " " + unit + " of the input " + to_string(input_shape) +
                    "; it must leave at least one");
}

std::size_t cropped(std::size_t dim, Margins m) { return dim == None ? None : dim - m.before - m.after; }
std::size_t padded(std::size_t dim, Margins m) { return dim == None ? None : dim + m.before + m.after; }
std::size_t scaled(std::size_t dim, std::size_t factor) { return dim == None ? None : dim * factor; }

// (in, in * factor) weights of 1-D linear interpolation, transposed for x . W: output i samples
// input position (i + 0.5) / factor - 0.5 (pixel centres, as TF's resize and PyTorch's
// align_corners=False), clamped to the edge pixels.
Tensor interpolation_weights(std::size_t in, std::size_t factor) {
    const std::size_t out = in * factor;
    Tensor w(Shape{in, out});
    const double last = static_cast<double>(in - 1);
    for (std::size_t i = 0; i < out; ++i) {
        const double at = (static_cast<double>(i) + 0.5) / static_cast<double>(factor) - 0.5;
        const double lower = std::floor(at), frac = at - lower;
        const auto row = [&](double p) { return static_cast<std::size_t>(std::clamp(p, 0.0, last)); };
        w.data()[row(lower) * out + i] += static_cast<float>(1.0 - frac);
        w.data()[row(lower + 1) * out + i] += static_cast<float>(frac);
    }
    return w;
}
}  // namespace

Flatten::Flatten(std::string name) : Layer(std::move(name)) { claim_name(); }

Tensor Flatten::call(const Tensor& inputs, bool) {
    const Shape& in = inputs.shape();
    return ops::reshape(inputs, {in[0], num_elements(Shape(in.begin() + 1, in.end()))});
}

Shape Flatten::compute_output_shape(const Shape& input_shape) {
    return {input_shape.at(0), num_elements(Shape(input_shape.begin() + 1, input_shape.end()))};
}

Reshape::Reshape(Shape target_shape, std::string name) : Layer(std::move(name)), target_shape_(std::move(target_shape)) {
    if (std::count(target_shape_.begin(), target_shape_.end(), None) > 1)
        throw Error("Reshape: at most one dimension of the target shape may be None (inferred), got " +
                    to_string(target_shape_));
    claim_name();
}

void Reshape::build(const Shape& input_shape) {
    const std::size_t in = num_elements(Shape(input_shape.begin() + 1, input_shape.end()));
    std::size_t known = 1;
    for (std::size_t d : target_shape_)
        if (d != None) known *= d;
    resolved_ = target_shape_;
    const auto unknown = std::find(resolved_.begin(), resolved_.end(), None);
    if (unknown != resolved_.end() && known != 0 && in % known == 0) *unknown = in / known;
    if (num_elements(resolved_) != in || (unknown != resolved_.end() && known == 0))
        throw Error(describe() + ": cannot reshape input of shape " + to_string(input_shape) + " (" + std::to_string(in) +
                    " values per sample) to target shape " + to_string(target_shape_));
}

Tensor Reshape::call(const Tensor& inputs, bool) {
    Shape out{inputs.shape()[0]};
    out.insert(out.end(), resolved_.begin(), resolved_.end());
    return ops::reshape(inputs, out);
}

Shape Reshape::compute_output_shape(const Shape& input_shape) {
    Shape out{input_shape.at(0)};
    out.insert(out.end(), resolved_.begin(), resolved_.end());
    return out;
}

nlohmann::json Reshape::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["target_shape"] = nlohmann::json::array();
    for (std::size_t d : target_shape_) config["target_shape"].push_back(d == None ? nlohmann::json(-1) : nlohmann::json(d));
    return config;
}

Permute::Permute(std::vector<std::size_t> dims, std::string name) : Layer(std::move(name)), dims_(std::move(dims)) {
    std::vector<std::size_t> sorted = dims_;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t k = 0; k < sorted.size(); ++k)
        if (sorted[k] != k + 1)
            throw Error("Permute: expected dims to be a permutation of 1.." + std::to_string(dims_.size()) +
                        " (the non-batch axes, counted from 1), got " + kx::detail::axes_string(ops::Axes(dims_.begin(), dims_.end())));
    claim_name();
}

void Permute::build(const Shape& input_shape) {
    if (input_shape.size() != dims_.size() + 1)
        throw Error(describe() + ": expected input of rank " + std::to_string(dims_.size() + 1) + " (batch + the " +
                    std::to_string(dims_.size()) + " axes of dims " + kx::detail::axes_string(ops::Axes(dims_.begin(), dims_.end())) +
                    "), got shape " + to_string(input_shape));
}

Tensor Permute::call(const Tensor& inputs, bool) {
    ops::Axes perm{0};
    perm.insert(perm.end(), dims_.begin(), dims_.end());
    return ops::transpose(inputs, perm);
}

Shape Permute::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    Shape out{input_shape[0]};
    for (std::size_t d : dims_) out.push_back(input_shape[d]);
    return out;
}

json Permute::get_config() const {
    json config = Layer::get_config();
    config["dims"] = dims_;
    return config;
}

RepeatVector::RepeatVector(std::size_t n, std::string name) : Layer(std::move(name)), n_(n) {
    if (n_ == 0) throw Error("RepeatVector: expected a positive n, got n=0");
    claim_name();
}

void RepeatVector::build(const Shape& input_shape) { require_rank(describe(), input_shape, 2, "(batch, features)"); }

Tensor RepeatVector::call(const Tensor& inputs, bool) {
    // (batch, features) -> (batch, 1, features) -> (batch, n, features)
    const Shape& in = inputs.shape();
    return ops::repeat(ops::reshape(inputs, {in[0], 1, in[1]}), n_, 1);
}

Shape RepeatVector::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    return {input_shape[0], n_, input_shape[1]};
}

json RepeatVector::get_config() const {
    json config = Layer::get_config();
    config["n"] = n_;
    return config;
}

Cropping1D::Cropping1D(Margins cropping, Options options) : Layer(std::move(options.name)), cropping_(cropping) {
    claim_name();
}

void Cropping1D::build(const Shape& input_shape) {
    require_rank(describe(), input_shape, 3, sequence_layout);
    require_croppable(describe(), input_shape, 1, cropping_, margins_string(cropping_), "steps");
}

Tensor Cropping1D::call(const Tensor& inputs, bool) {
    return ops::slice(inputs, 1, cropping_.before, inputs.shape()[1] - cropping_.after);
}

Shape Cropping1D::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    return {input_shape[0], cropped(input_shape[1], cropping_), input_shape[2]};
}

json Cropping1D::get_config() const {
    json config = Layer::get_config();
    config["cropping"] = margins_json(cropping_);
    return config;
}

Cropping2D::Cropping2D(Margins2 cropping, Options options) : Layer(std::move(options.name)), cropping_(cropping) {
    claim_name();
}

void Cropping2D::build(const Shape& input_shape) {
    require_rank(describe(), input_shape, 4, image_layout);
    require_croppable(describe(), input_shape, 1, cropping_.height, margins2_string(cropping_), "rows");
    require_croppable(describe(), input_shape, 2, cropping_.width, margins2_string(cropping_), "columns");
}

Tensor Cropping2D::call(const Tensor& inputs, bool) {
    const Shape& in = inputs.shape();
    const Tensor rows = ops::slice(inputs, 1, cropping_.height.before, in[1] - cropping_.height.after);
    return ops::slice(rows, 2, cropping_.width.before, in[2] - cropping_.width.after);
}

Shape Cropping2D::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    return {input_shape[0], cropped(input_shape[1], cropping_.height), cropped(input_shape[2], cropping_.width),
            input_shape[3]};
}

json Cropping2D::get_config() const {
    json config = Layer::get_config();
    config["cropping"] = margins2_json(cropping_);
    config["data_format"] = "channels_last";
    return config;
}

ZeroPadding1D::ZeroPadding1D(Margins padding, Options options) : Layer(std::move(options.name)), padding_(padding) {
    claim_name();
}

void ZeroPadding1D::build(const Shape& input_shape) { require_rank(describe(), input_shape, 3, sequence_layout); }

Tensor ZeroPadding1D::call(const Tensor& inputs, bool) {
    return ops::pad(inputs, {{0, 0}, {padding_.before, padding_.after}, {0, 0}});
}

Shape ZeroPadding1D::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    return {input_shape[0], padded(input_shape[1], padding_), input_shape[2]};
}

json ZeroPadding1D::get_config() const {
    json config = Layer::get_config();
    config["padding"] = margins_json(padding_);
    return config;
}

ZeroPadding2D::ZeroPadding2D(Margins2 padding, Options options) : Layer(std::move(options.name)), padding_(padding) {
    claim_name();
}

void ZeroPadding2D::build(const Shape& input_shape) { require_rank(describe(), input_shape, 4, image_layout); }

Tensor ZeroPadding2D::call(const Tensor& inputs, bool) {
    const Margins h = padding_.height, w = padding_.width;
    return ops::pad(inputs, {{0, 0}, {h.before, h.after}, {w.before, w.after}, {0, 0}});
}

Shape ZeroPadding2D::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    return {input_shape[0], padded(input_shape[1], padding_.height), padded(input_shape[2], padding_.width),
            input_shape[3]};
}

json ZeroPadding2D::get_config() const {
    json config = Layer::get_config();
    config["padding"] = margins2_json(padding_);
    config["data_format"] = "channels_last";
    return config;
}

UpSampling1D::UpSampling1D(std::size_t size, std::string name) : Layer(std::move(name)), size_(size) {
    if (size_ == 0) throw Error("UpSampling1D: expected a positive size, got size=0");
    claim_name();
}

void UpSampling1D::build(const Shape& input_shape) { require_rank(describe(), input_shape, 3, sequence_layout); }

Tensor UpSampling1D::call(const Tensor& inputs, bool) { return ops::repeat(inputs, size_, 1); }

Shape UpSampling1D::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    return {input_shape[0], scaled(input_shape[1], size_), input_shape[2]};
}

json UpSampling1D::get_config() const {
    json config = Layer::get_config();
    config["size"] = size_;
    return config;
}

UpSampling2D::UpSampling2D(Size2 size, Options options)
    : Layer(std::move(options.name)), size_(size), interpolation_(std::move(options.interpolation)) {
    if (size_.h == 0 || size_.w == 0)
        throw Error("UpSampling2D: expected a positive size, got " + kx::detail::size2_string(size_));
    std::transform(interpolation_.begin(), interpolation_.end(), interpolation_.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (interpolation_ != "nearest" && interpolation_ != "bilinear")
        throw Error("UpSampling2D: unsupported interpolation '" + interpolation_ + "'; expected one of: nearest, bilinear");
    claim_name();
}

void UpSampling2D::build(const Shape& input_shape) { require_rank(describe(), input_shape, 4, image_layout); }

Tensor UpSampling2D::call(const Tensor& inputs, bool) {
    if (interpolation_ == "nearest") return ops::repeat(ops::repeat(inputs, size_.h, 1), size_.w, 2);
    // Bilinear is separable: interpolate the rows, then the columns, each a matmul over the axis
    // moved last:
    //   (B, H, W, C) -> (B, W, C, H).Wh -> (B, W, C, OH) -> (B, C, OH, W).Ww -> (B, C, OH, OW) -> (B, OH, OW, C)
    const Shape& in = inputs.shape();
    const Tensor rows = ops::matmul(ops::transpose(inputs, {0, 2, 3, 1}), interpolation_weights(in[1], size_.h));
    const Tensor both = ops::matmul(ops::transpose(rows, {0, 2, 3, 1}), interpolation_weights(in[2], size_.w));
    return ops::transpose(both, {0, 2, 3, 1});
}

Shape UpSampling2D::compute_output_shape(const Shape& input_shape) {
    build(input_shape);
    return {input_shape[0], scaled(input_shape[1], size_.h), scaled(input_shape[2], size_.w), input_shape[3]};
}

json UpSampling2D::get_config() const {
    json config = Layer::get_config();
    config["size"] = {size_.h, size_.w};
    config["data_format"] = "channels_last";
    config["interpolation"] = interpolation_;
    return config;
}

namespace {
// Keras' cropping and padding arguments: n, or (before, after).
Margins margins_of(const json& value) {
    if (value.is_array()) return {value.at(0).get<std::size_t>(), value.at(1).get<std::size_t>()};
    return value.get<std::size_t>();
}
// n, (height, width) or ((top, bottom), (left, right)).
Margins2 margins2_of(const json& value) {
    if (value.is_array()) return {margins_of(value.at(0)), margins_of(value.at(1))};
    return value.get<std::size_t>();
}
Size2 size2_of(const json& value) {
    if (value.is_array()) return {value.at(0).get<std::size_t>(), value.at(1).get<std::size_t>()};
    return value.get<std::size_t>();
}
}  // namespace

void detail::register_reshaping_layers(FactoryTable& table) {
    add<Flatten>(table, "Flatten", [](const json& c) { return with_trainable(Flatten(name_of(c)), c); });
    add<Reshape>(table, "Reshape", [](const json& c) {
        return with_trainable(Reshape(shape_of(c.at("target_shape"), false), name_of(c)), c);
    });
    add<Permute>(table, "Permute", [](const json& c) {
        return with_trainable(Permute(c.at("dims").get<std::vector<std::size_t>>(), name_of(c)), c);
    });
    add<RepeatVector>(table, "RepeatVector", [](const json& c) {
        return with_trainable(RepeatVector(c.at("n").get<std::size_t>(), name_of(c)), c);
    });
    add<Cropping1D>(table, "Cropping1D", [](const json& c) {
        return with_trainable(Cropping1D(margins_of(c.value("cropping", json{1, 1})), {.name = name_of(c)}), c);
    });
    add<Cropping2D>(table, "Cropping2D", [](const json& c) {
        require_channels_last("Cropping2D", c);
        return with_trainable(Cropping2D(margins2_of(c.value("cropping", json(0))), {.name = name_of(c)}), c);
    });
    add<ZeroPadding1D>(table, "ZeroPadding1D", [](const json& c) {
        return with_trainable(ZeroPadding1D(margins_of(c.value("padding", json(1))), {.name = name_of(c)}), c);
    });
    add<ZeroPadding2D>(table, "ZeroPadding2D", [](const json& c) {
        require_channels_last("ZeroPadding2D", c);
        return with_trainable(ZeroPadding2D(margins2_of(c.value("padding", json(1))), {.name = name_of(c)}), c);
    });
    add<UpSampling1D>(table, "UpSampling1D", [](const json& c) {
        return with_trainable(UpSampling1D(c.value("size", std::size_t{2}), name_of(c)), c);
    });
    add<UpSampling2D>(table, "UpSampling2D", [](const json& c) {
        require_channels_last("UpSampling2D", c);
        return with_trainable(UpSampling2D(size2_of(c.value("size", json(2))),
                                           {.interpolation = c.value("interpolation", "nearest"), .name = name_of(c)}),
                              c);
    });
}

}  // namespace kx::layers
