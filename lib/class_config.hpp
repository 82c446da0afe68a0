// Internal: reading Keras' serialized objects, {"class_name": "L2", "config": {"l2": 0.01}}, for
// the deserialize() functions (regularizers, constraints, initializers, optimizers, schedules).
// `where` ("regularizers::deserialize") starts every error message.
#pragma once

#include <kerasxx/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace kx::detail {

struct ClassConfig {
    std::string class_name;
    nlohmann::json args;   // the "config" object, {} when absent
};

inline ClassConfig read_class_config(const nlohmann::json& config, const std::string& where) {
    if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
        throw Error(where + ": expected null or {\"class_name\": ..., \"config\": {...}}, got " + config.dump());
    ClassConfig out{config["class_name"].get<std::string>(), config.value("config", nlohmann::json::object())};
    if (!out.args.is_object())
        throw Error(where + ": expected an object for the config of " + out.class_name + ", got " + out.args.dump());
    return out;
}

// Every key of `c.args` must be one of `expected`.
inline void check_config_keys(const ClassConfig& c, const std::set<std::string>& expected, const std::string& where) {
    for (const auto& [key, value] : c.args.items()) {
        if (expected.count(key)) continue;
        std::string valid;
        for (const std::string& name : expected) valid += (valid.empty() ? "" : ", ") + name;
        throw Error(where + ": unknown argument '" + key + "' for " + c.class_name +
                    (valid.empty() ? std::string(", which takes no arguments") : "; expected: " + valid));
    }
}

// The number under `key`; `fallback` when absent or null.
inline double config_number(const ClassConfig& c, const char* key, double fallback, const std::string& where) {
    if (!c.args.contains(key) || c.args[key].is_null()) return fallback;
    if (!c.args[key].is_number())
        throw Error(where + ": expected a number for '" + key + "', got " + c.args[key].dump());
    return c.args[key].get<double>();
}

// Typed reads of one object's arguments: an absent or null argument keeps the default already in
// `out` (an optional becomes unset on null, as Keras' None); a value of the wrong type is a
// kx::Error naming the argument and the class. Readers of more types derive from it.
class ConfigReader {
public:
    ConfigReader(const ClassConfig& c, const char* where) : c_(c), where_(where) {}

    void read(const char* key, double& out) const {
        if (present(key)) out = checked(key, c_.args[key].is_number(), "a number").get<double>();
    }
    void read(const char* key, std::int64_t& out) const {
        if (present(key)) out = checked(key, c_.args[key].is_number(), "an integer").get<std::int64_t>();
    }
    void read(const char* key, bool& out) const {
        if (present(key)) out = checked(key, c_.args[key].is_boolean(), "a boolean").get<bool>();
    }
    void read(const char* key, std::string& out) const {
        if (present(key)) out = checked(key, c_.args[key].is_string(), "a string").get<std::string>();
    }
    void read(const char* key, std::optional<double>& out) const {
        if (!c_.args.contains(key)) return;
        if (c_.args[key].is_null()) out.reset();
        else out = checked(key, c_.args[key].is_number(), "a number or null").get<double>();
    }

protected:
    bool present(const char* key) const { return c_.args.contains(key) && !c_.args[key].is_null(); }
    const nlohmann::json& checked(const char* key, bool ok, const char* expected) const {
        if (!ok)
            throw Error(std::string(where_) + ": expected " + expected + " for '" + key + "' of " + c_.class_name +
                        ", got " + c_.args[key].dump());
        return c_.args[key];
    }

    const ClassConfig& c_;
    const char* where_;
};

}  // namespace kx::detail
