#include "family_registration.hpp"
#include "format.hpp"
#include "random_engine.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/regularization.hpp>
#include <kerasxx/ops.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace kx::layers {

namespace {
using json = nlohmann::json;
using kx::detail::format_number;

// Runs `draw(engine)` on the global generator, or, for a seeded layer, on a generator made from
// the seed and the call number: reproducible, yet a new mask on every call.
template <class Draw>
void draw_with(const initializers::Seed& seed, std::uint64_t call, Draw&& draw) {
    if (!seed) {
        draw(kx::detail::random_engine());
        return;
    }
    std::seed_seq sequence{static_cast<std::uint32_t>(*seed), static_cast<std::uint32_t>(*seed >> 32),
                           static_cast<std::uint32_t>(call), static_cast<std::uint32_t>(call >> 32)};
    std::mt19937_64 engine(sequence);
    draw(engine);
}

json seed_json(const initializers::Seed& seed) { return seed ? json(*seed) : json(); }

initializers::Seed seed_of(const json& config) {
    if (!config.contains("seed") || config["seed"].is_null()) return {};
    return config["seed"].get<std::uint64_t>();
}

void check_rate(const char* where, float rate) {
    if (!(rate >= 0.0f && rate < 1.0f))   // also rejects NaN
        throw Error(std::string(where) + ": expected a rate in [0, 1) (the fraction of inputs to drop), got rate=" +
                    format_number(rate));
}
}  // namespace

void detail::NoiseSource::bernoulli(float* out, std::size_t count, float keep, float scale) {
    draw_with(seed_, calls_++, [&](std::mt19937_64& engine) {
        for (std::size_t i = 0; i < count; ++i) out[i] = kx::detail::uniform01(engine) < keep ? scale : 0.0f;
    });
}

void detail::NoiseSource::normal(float* out, std::size_t count, float mean, float stddev) {
    draw_with(seed_, calls_++, [&](std::mt19937_64& engine) {
        kx::detail::NormalSampler sample(engine);
        for (std::size_t i = 0; i < count; ++i) out[i] = mean + stddev * static_cast<float>(sample());
    });
}

Dropout::Dropout(float rate, std::string name) : Layer(std::move(name)), rate_(rate) {
    check_rate("Dropout", rate);
    claim_name();
}

// Dropout is active only in training (fit); evaluate and predict see the identity.
Tensor Dropout::call(const Tensor& inputs, bool training) { return training ? ops::dropout(inputs, rate_) : inputs; }

json Dropout::get_config() const {
    json config = Layer::get_config();
    config["rate"] = rate_;
    return config;
}

SpatialDropout::SpatialDropout(const char* class_name, std::size_t rank, float rate, SpatialDropoutOptions options)
    : Layer(std::move(options.name)), rank_(rank), rate_(rate), noise_(options.seed) {
    check_rate(class_name, rate);
}

void SpatialDropout::check_input(const Shape& input_shape) const {
    if (input_shape.size() != rank_)
        throw Error(describe() + ": expected input of rank " + std::to_string(rank_) +
                    (rank_ == 3 ? " (batch, steps, channels)" : " (batch, height, width, channels)") + ", got shape " +
                    to_string(input_shape));
}

void SpatialDropout::build(const Shape& input_shape) { check_input(input_shape); }

Shape SpatialDropout::compute_output_shape(const Shape& input_shape) {
    check_input(input_shape);
    return input_shape;
}

Tensor SpatialDropout::call(const Tensor& inputs, bool training) {
    if (!training || rate_ == 0.0f) return inputs;
    // x viewed as (batch, positions, channels): one keep/drop draw per (sample, channel).
    const Shape& shape = inputs.shape();
    const std::size_t batch = shape.front(), channels = shape.back();
    const std::size_t positions = batch * channels == 0 ? 0 : inputs.size() / (batch * channels);
    std::vector<float> keep(batch * channels);
    noise_.bernoulli(keep.data(), keep.size(), 1.0f - rate_, 1.0f / (1.0f - rate_));
    // The mask spelled out to x's shape, so the product is a same-shape (non-broadcasting) multiply.
    Tensor mask = Tensor::empty(shape);
    float* m = mask.data();
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t p = 0; p < positions; ++p, m += channels)
            std::copy(keep.data() + b * channels, keep.data() + (b + 1) * channels, m);
    return ops::multiply(inputs, mask);
}

json SpatialDropout::get_config() const {
    json config = Layer::get_config();
    config["rate"] = rate_;
    config["seed"] = seed_json(noise_.seed());
    return config;
}

SpatialDropout1D::SpatialDropout1D(float rate, Options options)
    : SpatialDropout("SpatialDropout1D", 3, rate, std::move(options)) {
    claim_name();
}

SpatialDropout2D::SpatialDropout2D(float rate, Options options)
    : SpatialDropout("SpatialDropout2D", 4, rate, std::move(options)) {
    claim_name();
}

json SpatialDropout2D::get_config() const {
    json config = SpatialDropout::get_config();
    config["data_format"] = "channels_last";
    return config;
}

GaussianNoise::GaussianNoise(float stddev, Options options)
    : Layer(std::move(options.name)), stddev_(stddev), noise_(options.seed) {
    if (!(stddev >= 0.0f && stddev <= 1.0f))
        throw Error("GaussianNoise: expected a stddev between 0 and 1, got stddev=" + format_number(stddev));
    claim_name();
}

Tensor GaussianNoise::call(const Tensor& inputs, bool training) {
    if (!training || stddev_ == 0.0f) return inputs;
    Tensor noise = Tensor::empty(inputs.shape());
    noise_.normal(noise.data(), noise.size(), 0.0f, stddev_);
    return ops::add(inputs, noise);
}

json GaussianNoise::get_config() const {
    json config = Layer::get_config();
    config["stddev"] = stddev_;
    config["seed"] = seed_json(noise_.seed());
    return config;
}

GaussianDropout::GaussianDropout(float rate, Options options)
    : Layer(std::move(options.name)), rate_(rate), noise_(options.seed) {
    check_rate("GaussianDropout", rate);
    claim_name();
}

Tensor GaussianDropout::call(const Tensor& inputs, bool training) {
    if (!training || rate_ == 0.0f) return inputs;
    Tensor noise = Tensor::empty(inputs.shape());
    noise_.normal(noise.data(), noise.size(), 1.0f, std::sqrt(rate_ / (1.0f - rate_)));
    return ops::multiply(inputs, noise);
}

json GaussianDropout::get_config() const {
    json config = Layer::get_config();
    config["rate"] = rate_;
    config["seed"] = seed_json(noise_.seed());
    return config;
}

ActivityRegularization::ActivityRegularization(Options options)
    : Layer(std::move(options.name)), options_(std::move(options)) {
    for (const auto& [name, value] : {std::pair{"l1", options_.l1}, std::pair{"l2", options_.l2}})
        if (!(value >= 0.0) || std::isinf(value))
            throw Error(std::string("ActivityRegularization: expected a non-negative float for ") + name + ", got " +
                        name + "=" + format_number(value));
    penalty_ = std::make_shared<regularizers::L1L2>(regularizers::L1L2Options{.l1 = options_.l1, .l2 = options_.l2});
    claim_name();
}

Tensor ActivityRegularization::call(const Tensor& inputs, bool) {
    add_loss((*penalty_)(inputs));
    return inputs;
}

json ActivityRegularization::get_config() const {
    json config = Layer::get_config();
    config["l1"] = options_.l1;
    config["l2"] = options_.l2;
    return config;
}

void detail::register_regularization_layers(FactoryTable& table) {
    add<Dropout>(table, "Dropout", [](const json& c) {
        return with_trainable(Dropout(c.at("rate").get<float>(), name_of(c)), c);
    });
    add<SpatialDropout1D>(table, "SpatialDropout1D", [](const json& c) {
        return with_trainable(SpatialDropout1D(c.at("rate").get<float>(), {.seed = seed_of(c), .name = name_of(c)}), c);
    });
    add<SpatialDropout2D>(table, "SpatialDropout2D", [](const json& c) {
        require_channels_last("SpatialDropout2D", c);
        return with_trainable(SpatialDropout2D(c.at("rate").get<float>(), {.seed = seed_of(c), .name = name_of(c)}), c);
    });
    add<GaussianNoise>(table, "GaussianNoise", [](const json& c) {
        return with_trainable(GaussianNoise(c.at("stddev").get<float>(), {.seed = seed_of(c), .name = name_of(c)}), c);
    });
    add<GaussianDropout>(table, "GaussianDropout", [](const json& c) {
        return with_trainable(GaussianDropout(c.at("rate").get<float>(), {.seed = seed_of(c), .name = name_of(c)}), c);
    });
    add<ActivityRegularization>(table, "ActivityRegularization", [](const json& c) {
        return with_trainable(
            ActivityRegularization({.l1 = c.value("l1", 0.0), .l2 = c.value("l2", 0.0), .name = name_of(c)}), c);
    });
}

}  // namespace kx::layers
