#include "class_config.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

namespace kx::optimizers {

namespace {

constexpr const char* where = "optimizers::deserialize";

// The shared typed reads, plus the learning rate and the options kerasxx does not implement.
class ConfigReader : public detail::ConfigReader {
public:
    explicit ConfigReader(const detail::ClassConfig& c) : detail::ConfigReader(c, where) {}
    using detail::ConfigReader::read;

    // Plain numbers must be numbers: null is no value for them (AdamW's weight_decay must be set).
    void read(const char* key, double& out) const {
        if (c_.args.contains(key)) out = checked(key, c_.args[key].is_number(), "a number").get<double>();
    }
    // A number, or a serialized schedule ({"class_name": "ExponentialDecay", "config": {...}}).
    void read(const char* key, LearningRate& out) const {
        if (!c_.args.contains(key)) return;
        const nlohmann::json& value = checked(key, c_.args[key].is_number() || c_.args[key].is_object(),
                                              "a number or a serialized learning rate schedule");
        if (value.is_number()) out = value.get<double>();
        else out = schedules::deserialize(value);
    }
    // Keras' EMA, loss scaling and gradient accumulation are written at their defaults by
    // get_config, and not implemented: any other value is an error rather than a silent change.
    void require_default(const char* key, const nlohmann::json& default_value) const {
        if (c_.args.contains(key) && c_.args[key] != default_value)
            throw Error(std::string(where) + ": " + c_.class_name + " '" + c_.args.value("name", c_.class_name) +
                        "': '" + key + "' is not supported, expected " + default_value.dump() + ", got " +
                        c_.args[key].dump());
    }
};

// The base optimizer's arguments, which every Options repeats (AdamW's weight_decay is a plain
// number: it must be set).
template <class Options>
void read_common(const ConfigReader& r, Options& o) {
    r.read("learning_rate", o.learning_rate);
    r.read("weight_decay", o.weight_decay);
    r.read("clipnorm", o.clipnorm);
    r.read("clipvalue", o.clipvalue);
    r.read("global_clipnorm", o.global_clipnorm);
    r.read("name", o.name);
    r.require_default("use_ema", false);
    r.require_default("loss_scale_factor", nullptr);
    r.require_default("gradient_accumulation_steps", nullptr);
}

// The Adam family, whose own arguments are beta_1, beta_2, epsilon (and Adam's amsgrad).
template <class T>
std::shared_ptr<Optimizer> read_betas(const ConfigReader& r) {
    typename T::Options o;
    read_common(r, o);
    r.read("beta_1", o.beta_1);
    r.read("beta_2", o.beta_2);
    r.read("epsilon", o.epsilon);
    if constexpr (requires { o.amsgrad; }) r.read("amsgrad", o.amsgrad);
    return std::make_shared<T>(std::move(o));
}

struct Entry {
    std::string class_name;   // "RMSprop"
    std::function<std::shared_ptr<Optimizer>(const ConfigReader&)> make;
};

// By lowercase class name, as Keras also accepts "rmsprop" for "RMSprop".
const std::map<std::string, Entry>& entries() {
    static const std::map<std::string, Entry> table = {
        {"adadelta",
         {"Adadelta",
          [](const ConfigReader& r) -> std::shared_ptr<Optimizer> {
              Adadelta::Options o;
              read_common(r, o);
              r.read("rho", o.rho);
              r.read("epsilon", o.epsilon);
              return std::make_shared<Adadelta>(std::move(o));
          }}},
        {"adagrad",
         {"Adagrad",
          [](const ConfigReader& r) -> std::shared_ptr<Optimizer> {
              Adagrad::Options o;
              read_common(r, o);
              r.read("initial_accumulator_value", o.initial_accumulator_value);
              r.read("epsilon", o.epsilon);
              return std::make_shared<Adagrad>(std::move(o));
          }}},
        {"adam", {"Adam", read_betas<Adam>}},
        {"adamax", {"Adamax", read_betas<Adamax>}},
        {"adamw", {"AdamW", read_betas<AdamW>}},
        {"nadam", {"Nadam", read_betas<Nadam>}},
        {"rmsprop",
         {"RMSprop",
          [](const ConfigReader& r) -> std::shared_ptr<Optimizer> {
              RMSprop::Options o;
              read_common(r, o);
              r.read("rho", o.rho);
              r.read("momentum", o.momentum);
              r.read("epsilon", o.epsilon);
              r.read("centered", o.centered);
              return std::make_shared<RMSprop>(std::move(o));
          }}},
        {"sgd",
         {"SGD",
          [](const ConfigReader& r) -> std::shared_ptr<Optimizer> {
              SGD::Options o;
              read_common(r, o);
              r.read("momentum", o.momentum);
              r.read("nesterov", o.nesterov);
              return std::make_shared<SGD>(std::move(o));
          }}},
    };
    return table;
}

// The keys an optimizer's config may hold: those its get_config writes.
const std::set<std::string>& config_keys(const std::string& lowercase_name) {
    static const std::map<std::string, std::set<std::string>> keys = [] {
        std::map<std::string, std::set<std::string>> out;
        for (const auto& [name, entry] : entries()) {
            const nlohmann::json config = Optimizer::get(name)->get_config();
            for (const auto& [key, value] : config.items()) out[name].insert(key);
        }
        return out;
    }();
    return keys.at(lowercase_name);
}

}  // namespace

std::shared_ptr<Optimizer> deserialize(const nlohmann::json& serialized) {
    if (serialized.is_string()) return Optimizer::get(serialized.get<std::string>());
    if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
        throw Error(std::string(where) + ": expected an identifier (\"adam\") or {\"class_name\": ..., \"config\": {...}}, got " +
                    serialized.dump());
    const detail::ClassConfig c = detail::read_class_config(serialized, where);
    std::string key = c.class_name;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    const auto found = entries().find(key);
    if (found == entries().end()) {
        std::string valid;
        for (const auto& [name, entry] : entries()) valid += (valid.empty() ? "" : ", ") + entry.class_name;
        throw Error(std::string(where) + ": unknown optimizer class '" + c.class_name + "'; expected one of: " + valid);
    }
    const detail::ClassConfig named{found->second.class_name, c.args};
    detail::check_config_keys(named, config_keys(key), where);
    return found->second.make(ConfigReader(named));
}

}  // namespace kx::optimizers
