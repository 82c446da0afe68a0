#include "class_config.hpp"
#include "format.hpp"
#include "random_engine.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/initializers.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace kx {

namespace {
using detail::format_number;
using detail::NormalSampler;

nlohmann::json seed_json(const initializers::Seed& seed) { return seed ? nlohmann::json(*seed) : nlohmann::json(); }

// Runs `draw(engine)` on the initializer's own generator when it has a seed (a fresh one per call,
// so a seeded initializer repeats itself), on the global one otherwise.
template <class Draw>
void with_engine(const initializers::Seed& seed, Draw&& draw) {
    if (seed) {
        std::mt19937_64 engine(*seed);
        draw(engine);
    } else {
        draw(detail::random_engine());
    }
}

Tensor normal(const Shape& shape, double mean, double stddev, bool truncated, const initializers::Seed& seed) {
    Tensor out = Tensor::empty(shape);
    float* p = out.data();
    const std::size_t n = out.size();
    with_engine(seed, [&](std::mt19937_64& engine) {
        NormalSampler sample(engine);
        for (std::size_t i = 0; i < n; ++i)
            p[i] = static_cast<float>(mean + stddev * (truncated ? sample.truncated() : sample()));
    });
    return out;
}

Tensor uniform(const Shape& shape, double minval, double maxval, const initializers::Seed& seed) {
    Tensor out = Tensor::empty(shape);
    float* p = out.data();
    const std::size_t n = out.size();
    // Rounding to float could reach maxval itself; clamp below it to keep the interval half-open.
    const float below_max = std::nextafter(static_cast<float>(maxval), static_cast<float>(minval));
    with_engine(seed, [&](std::mt19937_64& engine) {
        for (std::size_t i = 0; i < n; ++i) {
            const double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;   // [0, 1)
            p[i] = std::min(static_cast<float>(minval + (maxval - minval) * u), below_max);
        }
    });
    return out;
}

void check_stddev(const char* where, double stddev) {
    if (!(stddev >= 0.0)) throw Error(std::string(where) + ": expected stddev >= 0, got stddev=" + format_number(stddev));
}

// "GlorotUniform" -> "glorot_uniform".
std::string snake_case(const std::string& name) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(name[i]);
        if (std::isupper(c) && i > 0) out += '_';
        out += static_cast<char>(std::tolower(c));
    }
    return out;
}

}  // namespace

nlohmann::json Initializer::get_config() const { return nlohmann::json::object(); }

nlohmann::json initializers::serialize(const Initializer& initializer) {
    return {{"class_name", initializer.class_name()}, {"config", initializer.get_config()}};
}

namespace {

constexpr const char* where = "initializers::deserialize";

// The shared typed reads, plus the seed (Keras writes null for an unseeded initializer).
class ConfigReader : public detail::ConfigReader {
public:
    explicit ConfigReader(const detail::ClassConfig& c) : detail::ConfigReader(c, where) {}
    using detail::ConfigReader::read;

    void read(const char* key, initializers::Seed& out) const {
        if (!present(key)) return;
        const nlohmann::json& seed = c_.args[key];
        out = checked(key, seed.is_number_unsigned() || (seed.is_number_integer() && seed.get<std::int64_t>() >= 0),
                      "null or a non-negative integer")
                  .get<std::uint64_t>();
    }
};

struct Entry {
    std::string class_name;   // "GlorotUniform"
    std::function<std::shared_ptr<Initializer>(const ConfigReader&)> make;
};

template <class T>
Entry seed_only(const char* class_name) {
    return {class_name, [](const ConfigReader& r) {
                initializers::Seed seed;
                r.read("seed", seed);
                return std::make_shared<T>(seed);
            }};
}

// Keras' snake_case identifiers; every class's snake_case name is its identifier.
const std::map<std::string, Entry>& entries() {
    using namespace initializers;
    static const std::map<std::string, Entry> table = {
        {"constant",
         {"Constant",
          [](const ConfigReader& r) {
              double value = 0.0;
              r.read("value", value);
              return std::make_shared<Constant>(value);
          }}},
        {"glorot_normal", seed_only<GlorotNormal>("GlorotNormal")},
        {"glorot_uniform", seed_only<GlorotUniform>("GlorotUniform")},
        {"he_normal", seed_only<HeNormal>("HeNormal")},
        {"he_uniform", seed_only<HeUniform>("HeUniform")},
        {"lecun_normal", seed_only<LecunNormal>("LecunNormal")},
        {"lecun_uniform", seed_only<LecunUniform>("LecunUniform")},
        {"ones", {"Ones", [](const ConfigReader&) { return std::make_shared<Ones>(); }}},
        {"orthogonal",
         {"Orthogonal",
          [](const ConfigReader& r) {
              Orthogonal::Options o;
              r.read("gain", o.gain);
              r.read("seed", o.seed);
              return std::make_shared<Orthogonal>(o);
          }}},
        {"random_normal",
         {"RandomNormal",
          [](const ConfigReader& r) {
              RandomNormal::Options o;
              r.read("mean", o.mean);
              r.read("stddev", o.stddev);
              r.read("seed", o.seed);
              return std::make_shared<RandomNormal>(o);
          }}},
        {"random_uniform",
         {"RandomUniform",
          [](const ConfigReader& r) {
              RandomUniform::Options o;
              r.read("minval", o.minval);
              r.read("maxval", o.maxval);
              r.read("seed", o.seed);
              return std::make_shared<RandomUniform>(o);
          }}},
        {"truncated_normal",
         {"TruncatedNormal",
          [](const ConfigReader& r) {
              TruncatedNormal::Options o;
              r.read("mean", o.mean);
              r.read("stddev", o.stddev);
              r.read("seed", o.seed);
              return std::make_shared<TruncatedNormal>(o);
          }}},
        {"variance_scaling",
         {"VarianceScaling",
          [](const ConfigReader& r) {
              VarianceScaling::Options o;
              r.read("scale", o.scale);
              r.read("mode", o.mode);
              r.read("distribution", o.distribution);
              r.read("seed", o.seed);
              return std::make_shared<VarianceScaling>(std::move(o));
          }}},
        {"zeros", {"Zeros", [](const ConfigReader&) { return std::make_shared<Zeros>(); }}},
    };
    return table;
}

// The table key of an identifier or class name: its snake_case form, through Keras' aliases
// (Keras 3.0-3.3 named the orthogonal class OrthogonalInitializer).
const Entry* find_entry(const std::string& identifier) {
    static const std::map<std::string, std::string> aliases = {{"one", "ones"},
                                                               {"zero", "zeros"},
                                                               {"normal", "random_normal"},
                                                               {"uniform", "random_uniform"},
                                                               {"orthogonal_initializer", "orthogonal"}};
    std::string key = snake_case(identifier);
    if (auto alias = aliases.find(key); alias != aliases.end()) key = alias->second;
    const auto found = entries().find(key);
    return found == entries().end() ? nullptr : &found->second;
}

// Each initializer's config keys (its get_config's keys).
std::set<std::string> config_keys(const Entry& entry) {
    nlohmann::json config = entry.make(ConfigReader(detail::ClassConfig{entry.class_name, nlohmann::json::object()}))
                                ->get_config();
    std::set<std::string> keys;
    for (const auto& [key, value] : config.items()) keys.insert(key);
    return keys;
}

}  // namespace

std::shared_ptr<Initializer> Initializer::get(const std::string& identifier) {
    if (const Entry* entry = find_entry(identifier))
        return entry->make(ConfigReader(detail::ClassConfig{entry->class_name, nlohmann::json::object()}));
    std::string valid;
    for (const auto& [key, entry] : entries()) valid += (valid.empty() ? "" : ", ") + key;
    throw Error("Could not interpret initializer identifier: '" + identifier + "'; expected one of: " + valid);
}

std::shared_ptr<Initializer> initializers::deserialize(const nlohmann::json& serialized) {
    if (serialized.is_string()) return Initializer::get(serialized.get<std::string>());
    if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
        throw Error(std::string(where) + ": expected an identifier (\"glorot_uniform\") or {\"class_name\": ..., "
                                         "\"config\": {...}}, got " + serialized.dump());
    const detail::ClassConfig c = detail::read_class_config(serialized, where);
    const Entry* entry = find_entry(c.class_name);
    if (!entry) {
        std::string valid;
        for (const auto& [key, e] : entries()) valid += (valid.empty() ? "" : ", ") + e.class_name;
        throw Error(std::string(where) + ": unknown initializer class '" + c.class_name + "'; expected one of: " + valid);
    }
    static const std::map<std::string, std::set<std::string>> keys = [] {
        std::map<std::string, std::set<std::string>> out;
        for (const auto& [key, e] : entries()) out[e.class_name] = config_keys(e);
        return out;
    }();
    const detail::ClassConfig named{entry->class_name, c.args};
    detail::check_config_keys(named, keys.at(entry->class_name), where);
    return entry->make(ConfigReader(named));
}

namespace initializers {

Fans compute_fans(const Shape& shape) {
    if (shape.empty()) return {1, 1};
    if (shape.size() == 1) return {shape[0], shape[0]};
    std::size_t receptive_field = 1;
    for (std::size_t i = 0; i + 2 < shape.size(); ++i) receptive_field *= shape[i];
    return {shape[shape.size() - 2] * receptive_field, shape.back() * receptive_field};
}

Tensor Zeros::operator()(const Shape& shape) const { return Tensor::zeros(shape); }
Tensor Ones::operator()(const Shape& shape) const { return Tensor::ones(shape); }

Tensor Constant::operator()(const Shape& shape) const { return Tensor::full(shape, static_cast<float>(value_)); }
nlohmann::json Constant::get_config() const { return {{"value", value_}}; }

nlohmann::json RandomInitializer::get_config() const { return {{"seed", seed_json(seed_)}}; }

RandomNormal::RandomNormal(Options o) : RandomInitializer(o.seed), mean_(o.mean), stddev_(o.stddev) {
    check_stddev("RandomNormal", stddev_);
}
Tensor RandomNormal::operator()(const Shape& shape) const { return normal(shape, mean_, stddev_, false, seed()); }
nlohmann::json RandomNormal::get_config() const {
    nlohmann::json config = RandomInitializer::get_config();
    config["mean"] = mean_;
    config["stddev"] = stddev_;
    return config;
}

RandomUniform::RandomUniform(Options o) : RandomInitializer(o.seed), minval_(o.minval), maxval_(o.maxval) {
    if (!(minval_ < maxval_))
        throw Error("RandomUniform: expected minval < maxval, got minval=" + format_number(minval_) +
                    ", maxval=" + format_number(maxval_));
}
Tensor RandomUniform::operator()(const Shape& shape) const { return uniform(shape, minval_, maxval_, seed()); }
nlohmann::json RandomUniform::get_config() const {
    nlohmann::json config = RandomInitializer::get_config();
    config["minval"] = minval_;
    config["maxval"] = maxval_;
    return config;
}

TruncatedNormal::TruncatedNormal(Options o) : RandomInitializer(o.seed), mean_(o.mean), stddev_(o.stddev) {
    check_stddev("TruncatedNormal", stddev_);
}
Tensor TruncatedNormal::operator()(const Shape& shape) const { return normal(shape, mean_, stddev_, true, seed()); }
nlohmann::json TruncatedNormal::get_config() const {
    nlohmann::json config = RandomInitializer::get_config();
    config["mean"] = mean_;
    config["stddev"] = stddev_;
    return config;
}

VarianceScaling::VarianceScaling(Options o) : RandomInitializer(o.seed), options_(std::move(o)) {
    if (!(options_.scale > 0.0))
        throw Error("VarianceScaling: expected a positive scale, got scale=" + format_number(options_.scale));
    if (options_.mode != "fan_in" && options_.mode != "fan_out" && options_.mode != "fan_avg")
        throw Error("VarianceScaling: expected mode to be one of fan_in, fan_out, fan_avg, got mode='" + options_.mode + "'");
    std::string& d = options_.distribution;
    std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (d == "normal") d = "truncated_normal";
    if (d != "truncated_normal" && d != "untruncated_normal" && d != "uniform")
        throw Error("VarianceScaling: expected distribution to be one of truncated_normal, untruncated_normal, uniform, "
                    "got distribution='" + options_.distribution + "'");
}

Tensor VarianceScaling::operator()(const Shape& shape) const {
    const auto [fan_in, fan_out] = compute_fans(shape);
    const double n = options_.mode == "fan_in"    ? static_cast<double>(fan_in)
                     : options_.mode == "fan_out" ? static_cast<double>(fan_out)
                                                  : (static_cast<double>(fan_in) + static_cast<double>(fan_out)) / 2.0;
    const double scale = options_.scale / std::max(1.0, n);
    if (options_.distribution == "uniform") {
        const double limit = std::sqrt(3.0 * scale);
        return uniform(shape, -limit, limit, seed());
    }
    if (options_.distribution == "untruncated_normal") return normal(shape, 0.0, std::sqrt(scale), false, seed());
    // 0.8796... is the stddev of a standard normal truncated to [-2, 2]: dividing by it gives the
    // truncated draws the intended stddev.
    return normal(shape, 0.0, std::sqrt(scale) / 0.87962566103423978, true, seed());
}

nlohmann::json VarianceScaling::get_config() const {
    nlohmann::json config = RandomInitializer::get_config();
    config["scale"] = options_.scale;
    config["mode"] = options_.mode;
    config["distribution"] = options_.distribution;
    return config;
}

GlorotUniform::GlorotUniform(Seed seed) : VarianceScaling(1.0, "fan_avg", "uniform", seed) {}
GlorotNormal::GlorotNormal(Seed seed) : VarianceScaling(1.0, "fan_avg", "truncated_normal", seed) {}
HeNormal::HeNormal(Seed seed) : VarianceScaling(2.0, "fan_in", "truncated_normal", seed) {}
HeUniform::HeUniform(Seed seed) : VarianceScaling(2.0, "fan_in", "uniform", seed) {}
LecunNormal::LecunNormal(Seed seed) : VarianceScaling(1.0, "fan_in", "truncated_normal", seed) {}
LecunUniform::LecunUniform(Seed seed) : VarianceScaling(1.0, "fan_in", "uniform", seed) {}
nlohmann::json GlorotUniform::get_config() const { return RandomInitializer::get_config(); }
nlohmann::json GlorotNormal::get_config() const { return RandomInitializer::get_config(); }
nlohmann::json HeNormal::get_config() const { return RandomInitializer::get_config(); }
nlohmann::json HeUniform::get_config() const { return RandomInitializer::get_config(); }
nlohmann::json LecunNormal::get_config() const { return RandomInitializer::get_config(); }
nlohmann::json LecunUniform::get_config() const { return RandomInitializer::get_config(); }

Orthogonal::Orthogonal(Options o) : RandomInitializer(o.seed), gain_(o.gain) {}

Tensor Orthogonal::operator()(const Shape& shape) const {
    if (shape.size() < 2)
        throw Error("Orthogonal: expected a shape of rank >= 2, got shape " + to_string(shape) + " of rank " +
                    std::to_string(shape.size()));
    const std::size_t rows = num_elements(shape) / std::max<std::size_t>(shape.back(), 1), cols = shape.back();
    const std::size_t tall = std::max(rows, cols), narrow = std::min(rows, cols);
    // q[j] is column j of a (tall, narrow) normal matrix, orthonormalised in place by modified
    // Gram-Schmidt (twice, for accuracy), which is the QR's Q with R's diagonal positive.
    std::vector<std::vector<double>> q(narrow, std::vector<double>(tall));
    with_engine(seed(), [&](std::mt19937_64& engine) {
        NormalSampler sample(engine);
        for (std::size_t i = 0; i < tall; ++i)
            for (std::size_t j = 0; j < narrow; ++j) q[j][i] = sample();
    });
    for (std::size_t j = 0; j < narrow; ++j) {
        std::vector<double>& v = q[j];
        for (int pass = 0; pass < 2; ++pass)
            for (std::size_t k = 0; k < j; ++k) {
                double dot = 0.0;
                for (std::size_t i = 0; i < tall; ++i) dot += q[k][i] * v[i];
                for (std::size_t i = 0; i < tall; ++i) v[i] -= dot * q[k][i];
            }
        double norm = 0.0;
        for (double x : v) norm += x * x;
        norm = std::sqrt(norm);
        for (double& x : v) x /= norm;
    }
    Tensor out = Tensor::empty(shape);
    float* p = out.data();
    // (rows, cols) is Q when rows >= cols, Q^T otherwise.
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
            p[r * cols + c] = static_cast<float>(gain_ * (rows >= cols ? q[c][r] : q[r][c]));
    return out;
}

nlohmann::json Orthogonal::get_config() const {
    nlohmann::json config = RandomInitializer::get_config();
    config["gain"] = gain_;
    return config;
}

}  // namespace initializers

}  // namespace kx
