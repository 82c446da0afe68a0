// Weight initializers, by object or by Keras name.
//
//   kx::layers::Dense(64, {.activation = "relu", .kernel_initializer = "he_normal"});
//   kx::Tensor w = kx::initializers::GlorotUniform()({784, 256});
//   kx::Tensor b = kx::initializers::RandomNormal({.stddev = 0.01, .seed = 42})({256});
//
// Draws come from the generator seeded by kx::utils::set_random_seed, unless the initializer was
// given its own seed; a seeded initializer returns the same values on every call (as in Keras).
// Fans follow Keras: a kernel (..., fan_in_channels, fan_out_channels) of rank > 2 is a
// convolution kernel, whose fans are its channels times its receptive field size.
#pragma once

#include <kerasxx/tensor.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace kx {

class Initializer {
public:
    virtual ~Initializer() = default;
    virtual Tensor operator()(const Shape& shape) const = 0;
    virtual std::string class_name() const = 0;            // "GlorotUniform"
    virtual nlohmann::json get_config() const;              // constructor arguments
    // From a Keras identifier ("glorot_uniform", "he_normal", "zeros", ..., or the class name
    // "GlorotUniform"); unknown names are a kx::Error listing the valid ones.
    static std::shared_ptr<Initializer> get(const std::string& identifier);
};

namespace initializers {

using Seed = std::optional<std::uint64_t>;

struct Fans {
    std::size_t fan_in;
    std::size_t fan_out;
};
// Keras' compute_fans: () -> (1, 1); (n,) -> (n, n); (in, out); (k..., in, out) -> (in * K, out * K)
// with K = prod(k...), e.g. (3, 3, 16, 32) -> (144, 288).
Fans compute_fans(const Shape& shape);

// Keras' serialized form, {"class_name": "GlorotUniform", "config": {...}}, as layer configs hold it.
nlohmann::json serialize(const Initializer& initializer);
// The inverse of serialize, restoring every argument (a seeded initializer draws what the original
// drew). Also takes a bare identifier ("glorot_uniform"), and class names in Keras' snake_case
// form ({"class_name": "he_normal"}). Unknown classes, unknown keys and bad values are a kx::Error
// naming the initializer and the key.
//
//   auto init = kx::initializers::deserialize(
//       {{"class_name", "RandomNormal"}, {"config", {{"mean", 0.0}, {"stddev", 0.05}, {"seed", 3}}}});
std::shared_ptr<Initializer> deserialize(const nlohmann::json& serialized);

class Zeros : public Initializer {
public:
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "Zeros"; }
};

class Ones : public Initializer {
public:
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "Ones"; }
};

class Constant : public Initializer {
public:
    explicit Constant(double value = 0.0) : value_(value) {}
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "Constant"; }
    nlohmann::json get_config() const override;

private:
    double value_;
};

// Base of the random initializers: holds the optional seed, writes {"seed": ...} in the config.
class RandomInitializer : public Initializer {
public:
    explicit RandomInitializer(Seed seed) : seed_(seed) {}
    nlohmann::json get_config() const override;
    const Seed& seed() const { return seed_; }

private:
    Seed seed_;
};

class RandomNormal : public RandomInitializer {
public:
    struct Options {
        double mean = 0.0;
        double stddev = 0.05;
        Seed seed = std::nullopt;
    };
    RandomNormal() : RandomNormal(Options{}) {}
    explicit RandomNormal(Options options);
    RandomNormal(double mean, double stddev, Seed seed = std::nullopt) : RandomNormal(Options{mean, stddev, seed}) {}
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "RandomNormal"; }
    nlohmann::json get_config() const override;

private:
    double mean_, stddev_;
};

// Uniform in [minval, maxval).
class RandomUniform : public RandomInitializer {
public:
    struct Options {
        double minval = -0.05;
        double maxval = 0.05;
        Seed seed = std::nullopt;
    };
    RandomUniform() : RandomUniform(Options{}) {}
    explicit RandomUniform(Options options);
    RandomUniform(double minval, double maxval, Seed seed = std::nullopt) : RandomUniform(Options{minval, maxval, seed}) {}
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "RandomUniform"; }
    nlohmann::json get_config() const override;

private:
    double minval_, maxval_;
};

// Normal, with values more than two standard deviations from the mean drawn again.
class TruncatedNormal : public RandomInitializer {
public:
    struct Options {
        double mean = 0.0;
        double stddev = 0.05;
        Seed seed = std::nullopt;
    };
    TruncatedNormal() : TruncatedNormal(Options{}) {}
    explicit TruncatedNormal(Options options);
    TruncatedNormal(double mean, double stddev, Seed seed = std::nullopt) : TruncatedNormal(Options{mean, stddev, seed}) {}
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "TruncatedNormal"; }
    nlohmann::json get_config() const override;

private:
    double mean_, stddev_;
};

// Keras' VarianceScaling: with n = fan_in, fan_out or (fan_in + fan_out) / 2 (mode),
//   "truncated_normal" (or "normal"): truncated normal, stddev sqrt(scale / n) / 0.87962566
//                                     (the truncated distribution's stddev is sqrt(scale / n))
//   "untruncated_normal": normal, stddev sqrt(scale / n)
//   "uniform": uniform in [-sqrt(3 scale / n), sqrt(3 scale / n))
class VarianceScaling : public RandomInitializer {
public:
    struct Options {
        double scale = 1.0;
        std::string mode = "fan_in";
        std::string distribution = "truncated_normal";
        Seed seed = std::nullopt;
    };
    VarianceScaling() : VarianceScaling(Options{}) {}
    explicit VarianceScaling(Options options);
    explicit VarianceScaling(double scale, std::string mode = "fan_in", std::string distribution = "truncated_normal",
                             Seed seed = std::nullopt)
        : VarianceScaling(Options{scale, std::move(mode), std::move(distribution), seed}) {}
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "VarianceScaling"; }
    nlohmann::json get_config() const override;

private:
    Options options_;
};

// The named variance-scaling initializers (their config is only the seed, as in Keras).
class GlorotUniform : public VarianceScaling {   // scale 1, fan_avg, uniform
public:
    explicit GlorotUniform(Seed seed = std::nullopt);
    std::string class_name() const override { return "GlorotUniform"; }
    nlohmann::json get_config() const override;
};

class GlorotNormal : public VarianceScaling {   // scale 1, fan_avg, truncated_normal
public:
    explicit GlorotNormal(Seed seed = std::nullopt);
    std::string class_name() const override { return "GlorotNormal"; }
    nlohmann::json get_config() const override;
};

class HeNormal : public VarianceScaling {   // scale 2, fan_in, truncated_normal
public:
    explicit HeNormal(Seed seed = std::nullopt);
    std::string class_name() const override { return "HeNormal"; }
    nlohmann::json get_config() const override;
};

class HeUniform : public VarianceScaling {   // scale 2, fan_in, uniform
public:
    explicit HeUniform(Seed seed = std::nullopt);
    std::string class_name() const override { return "HeUniform"; }
    nlohmann::json get_config() const override;
};

class LecunNormal : public VarianceScaling {   // scale 1, fan_in, truncated_normal
public:
    explicit LecunNormal(Seed seed = std::nullopt);
    std::string class_name() const override { return "LecunNormal"; }
    nlohmann::json get_config() const override;
};

class LecunUniform : public VarianceScaling {   // scale 1, fan_in, uniform
public:
    explicit LecunUniform(Seed seed = std::nullopt);
    std::string class_name() const override { return "LecunUniform"; }
    nlohmann::json get_config() const override;
};

// A (semi-)orthogonal matrix times gain, reshaped: the shape is read as a matrix
// (prod(shape[:-1]), shape[-1]), whose rows or columns (whichever are fewer) are orthonormal.
// The Q of the QR decomposition of a normal matrix, signs fixed so that R's diagonal is positive.
class Orthogonal : public RandomInitializer {
public:
    struct Options {
        double gain = 1.0;
        Seed seed = std::nullopt;
    };
    Orthogonal() : Orthogonal(Options{}) {}
    explicit Orthogonal(Options options);
    explicit Orthogonal(double gain, Seed seed = std::nullopt) : Orthogonal(Options{gain, seed}) {}
    Tensor operator()(const Shape& shape) const override;
    std::string class_name() const override { return "Orthogonal"; }
    nlohmann::json get_config() const override;

private:
    double gain_;
};

}  // namespace initializers

}  // namespace kx
