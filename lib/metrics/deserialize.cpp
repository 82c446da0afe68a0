#include <kerasxx/error.hpp>
#include <kerasxx/metrics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <type_traits>

namespace kx::metrics {

namespace {

using json = nlohmann::json;

// Reads one metric's config: the keys it may hold, each with its type checked, null or missing
// meaning Keras' default. "dtype" is accepted and ignored: kerasxx metrics report doubles.
class ConfigReader {
public:
    ConfigReader(std::string class_name, const json& config, std::vector<std::string> keys)
        : class_name_(std::move(class_name)), config_(config) {
        keys.insert(keys.end(), {"name", "dtype"});
        for (const auto& [key, value] : config_.items()) {
            if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
            std::string valid;
            for (const std::string& k : keys) valid += (valid.empty() ? "" : ", ") + k;
            throw Error("metrics::deserialize: unknown config key '" + key + "' for " + class_name_ +
                        "; expected some of: " + valid);
        }
    }

    std::string name(std::string fallback) const { return get<std::string>("name", std::move(fallback)); }

    template <class T>
    std::optional<T> optional(const char* key) const {
        if (!config_.contains(key) || config_[key].is_null()) return std::nullopt;
        const json& value = config_[key];
        const bool fits = [&] {
            if constexpr (std::is_same_v<T, bool>) return value.is_boolean();
            else if constexpr (std::is_integral_v<T>) return value.is_number_integer();
            else if constexpr (std::is_floating_point_v<T>) return value.is_number();
            else if constexpr (std::is_same_v<T, std::string>) return value.is_string();
            else return value.is_array();
        }();
        if (!fits) throw Error("metrics::deserialize: " + class_name_ + " config key '" + key + "' has the wrong type: " +
                               value.dump());
        return value.get<T>();
    }

    template <class T>
    T get(const char* key, T fallback) const {
        return optional<T>(key).value_or(std::move(fallback));
    }

    // Precision/Recall's thresholds: a number, or a list of one (kerasxx's result() is one number).
    std::optional<double> one_threshold() const {
        if (!config_.contains("thresholds") || config_["thresholds"].is_null()) return std::nullopt;
        const json& value = config_["thresholds"];
        if (value.is_number()) return value.get<double>();
        if (value.is_array() && value.size() == 1 && value[0].is_number()) return value[0].get<double>();
        throw Error("metrics::deserialize: " + class_name_ + " has thresholds " + value.dump() +
                    "; kerasxx supports one threshold (result() is one number): use one metric per threshold");
    }

private:
    std::string class_name_;
    const json& config_;
};

template <class M, class Options>
std::shared_ptr<Metric> named(const ConfigReader& read) {
    Options options;
    options.name = read.name(options.name);
    return std::make_shared<M>(std::move(options));
}

using Maker = std::function<std::shared_ptr<Metric>(const json&)>;

struct Entry {
    const char* class_name;
    Maker make;
};

// Every metric kerasxx has, by its Keras class name.
const std::vector<Entry>& table() {
    static const std::vector<Entry> entries = {
        {"Mean", [](const json& c) { return named<Mean, MeanOptions>(ConfigReader("Mean", c, {})); }},
        {"Accuracy", [](const json& c) { return named<Accuracy, AccuracyOptions>(ConfigReader("Accuracy", c, {})); }},
        {"BinaryAccuracy",
         [](const json& c) {
             const ConfigReader read("BinaryAccuracy", c, {"threshold"});
             BinaryAccuracyOptions options;
             options.name = read.name(options.name);
             options.threshold = static_cast<float>(read.get<double>("threshold", options.threshold));
             return std::make_shared<BinaryAccuracy>(std::move(options));
         }},
        {"CategoricalAccuracy",
         [](const json& c) {
             return named<CategoricalAccuracy, CategoricalAccuracyOptions>(ConfigReader("CategoricalAccuracy", c, {}));
         }},
        {"SparseCategoricalAccuracy",
         [](const json& c) {
             return named<SparseCategoricalAccuracy, SparseCategoricalAccuracyOptions>(
                 ConfigReader("SparseCategoricalAccuracy", c, {}));
         }},
        {"TopKCategoricalAccuracy",
         [](const json& c) {
             const ConfigReader read("TopKCategoricalAccuracy", c, {"k"});
             TopKCategoricalAccuracyOptions options;
             options.name = read.name(options.name);
             options.k = read.get<int>("k", options.k);
             return std::make_shared<TopKCategoricalAccuracy>(std::move(options));
         }},
        {"SparseTopKCategoricalAccuracy",
         [](const json& c) {
             const ConfigReader read("SparseTopKCategoricalAccuracy", c, {"k", "from_sorted_ids"});
             SparseTopKCategoricalAccuracyOptions options;
             options.name = read.name(options.name);
             options.k = read.get<int>("k", options.k);
             options.from_sorted_ids = read.get<bool>("from_sorted_ids", options.from_sorted_ids);
             return std::make_shared<SparseTopKCategoricalAccuracy>(std::move(options));
         }},
        {"MeanSquaredError",
         [](const json& c) {
             return named<MeanSquaredError, MeanSquaredErrorOptions>(ConfigReader("MeanSquaredError", c, {}));
         }},
        {"MeanAbsoluteError",
         [](const json& c) {
             return named<MeanAbsoluteError, MeanAbsoluteErrorOptions>(ConfigReader("MeanAbsoluteError", c, {}));
         }},
        {"RootMeanSquaredError",
         [](const json& c) {
             return named<RootMeanSquaredError, RootMeanSquaredErrorOptions>(ConfigReader("RootMeanSquaredError", c, {}));
         }},
        {"Precision",
         [](const json& c) {
             const ConfigReader read("Precision", c, {"thresholds", "top_k", "class_id"});
             return std::make_shared<Precision>(PrecisionOptions{.thresholds = read.one_threshold(),
                                                                 .top_k = read.optional<int>("top_k"),
                                                                 .class_id = read.optional<int>("class_id"),
                                                                 .name = read.name("precision")});
         }},
        {"Recall",
         [](const json& c) {
             const ConfigReader read("Recall", c, {"thresholds", "top_k", "class_id"});
             return std::make_shared<Recall>(RecallOptions{.thresholds = read.one_threshold(),
                                                           .top_k = read.optional<int>("top_k"),
                                                           .class_id = read.optional<int>("class_id"),
                                                           .name = read.name("recall")});
         }},
        {"AUC",
         [](const json& c) {
             const ConfigReader read("AUC", c,
                                     {"num_thresholds", "curve", "summation_method", "thresholds", "multi_label",
                                      "num_labels", "label_weights", "from_logits"});
             const AUCOptions defaults;
             return std::make_shared<AUC>(AUCOptions{
                 .num_thresholds = read.get<int>("num_thresholds", defaults.num_thresholds),
                 .curve = read.get<std::string>("curve", defaults.curve),
                 .summation_method = read.get<std::string>("summation_method", defaults.summation_method),
                 .name = read.name(defaults.name),
                 .thresholds = read.get<std::vector<double>>("thresholds", {}),
                 .multi_label = read.get<bool>("multi_label", false),
                 .num_labels = read.optional<int>("num_labels"),
                 .label_weights = read.get<std::vector<double>>("label_weights", {}),
                 .from_logits = read.get<bool>("from_logits", false)});
         }},
        {"FBetaScore",
         [](const json& c) {
             const ConfigReader read("FBetaScore", c, {"average", "beta", "threshold"});
             return std::make_shared<FBetaScore>(FBetaScoreOptions{.average = read.optional<std::string>("average"),
                                                                   .beta = read.get<double>("beta", 1.0),
                                                                   .threshold = read.optional<double>("threshold"),
                                                                   .name = read.name("fbeta_score")});
         }},
        {"F1Score",
         [](const json& c) {
             const ConfigReader read("F1Score", c, {"average", "threshold"});
             return std::make_shared<F1Score>(F1ScoreOptions{.average = read.optional<std::string>("average"),
                                                             .threshold = read.optional<double>("threshold"),
                                                             .name = read.name("f1_score")});
         }},
        {"MeanIoU",
         [](const json& c) {
             const ConfigReader read("MeanIoU", c,
                                     {"num_classes", "ignore_class", "sparse_y_true", "sparse_y_pred", "axis"});
             const std::optional<int> num_classes = read.optional<int>("num_classes");
             if (!num_classes) throw Error("metrics::deserialize: MeanIoU needs num_classes in its config, got " + c.dump());
             return std::make_shared<MeanIoU>(*num_classes,
                                              MeanIoUOptions{.name = read.name("mean_io_u"),
                                                             .ignore_class = read.optional<int>("ignore_class"),
                                                             .sparse_y_true = read.get<bool>("sparse_y_true", true),
                                                             .sparse_y_pred = read.get<bool>("sparse_y_pred", true),
                                                             .axis = read.get<int>("axis", -1)});
         }},
        {"R2Score",
         [](const json& c) {
             const ConfigReader read("R2Score", c, {"class_aggregation", "num_regressors"});
             // An explicit null is Keras' None (per column); a missing key is the default.
             std::optional<std::string> aggregation = "uniform_average";
             if (c.contains("class_aggregation")) aggregation = read.optional<std::string>("class_aggregation");
             return std::make_shared<R2Score>(R2ScoreOptions{.class_aggregation = aggregation,
                                                             .num_regressors = read.get<int>("num_regressors", 0),
                                                             .name = read.name("r2_score")});
         }},
    };
    return entries;
}

}  // namespace

json serialize(const Metric& metric) {
    return {{"module", "keras.metrics"},
            {"class_name", metric.class_name()},
            {"config", metric.get_config()},
            {"registered_name", nullptr}};
}

std::shared_ptr<Metric> deserialize(const json& serialized) {
    if (serialized.is_string()) return Metric::get(serialized.get<std::string>());
    if (!serialized.is_object() || !serialized.contains("class_name") || !serialized["class_name"].is_string())
        throw Error("metrics::deserialize: expected a metric identifier or {\"class_name\": ..., \"config\": {...}}, got " +
                    serialized.dump());
    const std::string class_name = serialized["class_name"].get<std::string>();
    const json config = serialized.value("config", json::object());
    if (!config.is_object())
        throw Error("metrics::deserialize: the config of " + class_name + " must be an object, got " + config.dump());
    for (const Entry& entry : table()) {
        if (class_name != entry.class_name) continue;
        try {
            return entry.make(config);
        } catch (const json::exception& e) {
            throw Error("metrics::deserialize: invalid config for " + class_name + ": " + config.dump() + " (" +
                        e.what() + ")");
        }
    }
    std::string valid;
    for (const Entry& entry : table()) valid += std::string(valid.empty() ? "" : ", ") + entry.class_name;
    throw Error("metrics::deserialize: unknown metric class '" + class_name + "'; expected one of: " + valid);
}

}  // namespace kx::metrics
