#include <kerasxx/error.hpp>
#include <kerasxx/optimizers.hpp>

#include "class_config.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

namespace kx::optimizers {

LearningRate::LearningRate(double value) : value_(value) {}

void LearningRate::check_not_null() const {
    if (!schedule_) throw Error("LearningRate: expected a learning rate schedule, got a null pointer");
}

double LearningRate::at(std::int64_t step) const { return schedule_ ? (*schedule_)(step) : value_; }

nlohmann::json LearningRate::to_json() const { return schedule_ ? schedules::serialize(*schedule_) : nlohmann::json(value_); }

namespace schedules {

nlohmann::json serialize(const LearningRateSchedule& schedule) {
    return {{"module", "keras.optimizers.schedules"},
            {"class_name", schedule.class_name()},
            {"config", schedule.get_config()},
            {"registered_name", nullptr}};
}

namespace {

constexpr const char* where = "schedules::deserialize";

// The shared typed reads (a null or absent argument keeps its default, as Keras' constructors do
// with missing keyword arguments), plus required arguments and lists.
class ConfigReader : public detail::ConfigReader {
public:
    explicit ConfigReader(const detail::ClassConfig& c) : detail::ConfigReader(c, where) {}
    using detail::ConfigReader::read;

    void require(const char* key) const {
        if (!present(key)) throw Error(std::string(where) + ": missing required argument '" + key + "' for " + c_.class_name);
    }
    template <class T>
    void read(const char* key, std::vector<T>& out) const {
        if (!present(key)) return;
        const nlohmann::json& list = c_.args[key];
        bool numbers = list.is_array();
        for (const auto& x : list) numbers = numbers && x.is_number();
        out = checked(key, numbers, "a list of numbers").template get<std::vector<T>>();
    }
};

using Factory = std::function<std::shared_ptr<LearningRateSchedule>(const detail::ClassConfig&)>;

// ExponentialDecay and InverseTimeDecay take the same arguments.
template <class Schedule>
std::shared_ptr<LearningRateSchedule> read_rate_decay(const detail::ClassConfig& c) {
    detail::check_config_keys(c, {"initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name"}, where);
    const ConfigReader r(c);
    r.require("initial_learning_rate");
    r.require("decay_steps");
    r.require("decay_rate");
    typename Schedule::Options o;
    r.read("initial_learning_rate", o.initial_learning_rate);
    r.read("decay_steps", o.decay_steps);
    r.read("decay_rate", o.decay_rate);
    r.read("staircase", o.staircase);
    r.read("name", o.name);
    return std::make_shared<Schedule>(std::move(o));
}

const std::map<std::string, Factory>& factories() {
    static const std::map<std::string, Factory> table = {
        {"CosineDecay",
         [](const detail::ClassConfig& c) {
             detail::check_config_keys(
                 c, {"initial_learning_rate", "decay_steps", "alpha", "warmup_target", "warmup_steps", "name"}, where);
             const ConfigReader r(c);
             r.require("initial_learning_rate");
             r.require("decay_steps");
             CosineDecay::Options o;
             r.read("initial_learning_rate", o.initial_learning_rate);
             r.read("decay_steps", o.decay_steps);
             r.read("alpha", o.alpha);
             r.read("warmup_target", o.warmup_target);
             r.read("warmup_steps", o.warmup_steps);
             r.read("name", o.name);
             return std::make_shared<CosineDecay>(std::move(o));
         }},
        {"CosineDecayRestarts",
         [](const detail::ClassConfig& c) {
             detail::check_config_keys(
                 c, {"initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha", "name"}, where);
             const ConfigReader r(c);
             r.require("initial_learning_rate");
             r.require("first_decay_steps");
             CosineDecayRestarts::Options o;
             r.read("initial_learning_rate", o.initial_learning_rate);
             r.read("first_decay_steps", o.first_decay_steps);
             r.read("t_mul", o.t_mul);
             r.read("m_mul", o.m_mul);
             r.read("alpha", o.alpha);
             r.read("name", o.name);
             return std::make_shared<CosineDecayRestarts>(std::move(o));
         }},
        {"ExponentialDecay", read_rate_decay<ExponentialDecay>},
        {"InverseTimeDecay", read_rate_decay<InverseTimeDecay>},
        {"PiecewiseConstantDecay",
         [](const detail::ClassConfig& c) {
             detail::check_config_keys(c, {"boundaries", "values", "name"}, where);
             const ConfigReader r(c);
             r.require("boundaries");
             r.require("values");
             PiecewiseConstantDecay::Options o;
             r.read("boundaries", o.boundaries);
             r.read("values", o.values);
             r.read("name", o.name);
             return std::make_shared<PiecewiseConstantDecay>(std::move(o));
         }},
        {"PolynomialDecay",
         [](const detail::ClassConfig& c) {
             detail::check_config_keys(
                 c, {"initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle", "name"}, where);
             const ConfigReader r(c);
             r.require("initial_learning_rate");
             r.require("decay_steps");
             PolynomialDecay::Options o;
             r.read("initial_learning_rate", o.initial_learning_rate);
             r.read("decay_steps", o.decay_steps);
             r.read("end_learning_rate", o.end_learning_rate);
             r.read("power", o.power);
             r.read("cycle", o.cycle);
             r.read("name", o.name);
             return std::make_shared<PolynomialDecay>(std::move(o));
         }},
    };
    return table;
}

}  // namespace

std::shared_ptr<LearningRateSchedule> deserialize(const nlohmann::json& serialized) {
    if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
        throw Error(std::string(where) + ": expected {\"class_name\": ..., \"config\": {...}}, got " + serialized.dump());
    const detail::ClassConfig c = detail::read_class_config(serialized, where);
    const auto& table = factories();
    const auto found = table.find(c.class_name);
    if (found == table.end()) {
        std::string valid;
        for (const auto& [name, factory] : table) valid += (valid.empty() ? "" : ", ") + name;
        throw Error(std::string(where) + ": unknown learning rate schedule '" + c.class_name + "'; expected one of: " + valid);
    }
    return found->second(c);
}

}  // namespace schedules

}  // namespace kx::optimizers
