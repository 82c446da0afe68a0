#include <kerasxx/callbacks/callback.hpp>
#include <kerasxx/error.hpp>

#include <algorithm>

namespace kx {

double& Logs::operator[](const std::string& key) {
    auto it = std::find_if(items_.begin(), items_.end(), [&](const auto& item) { return item.first == key; });
    if (it != items_.end()) return it->second;
    return items_.emplace_back(key, 0.0).second;
}

bool Logs::contains(const std::string& key) const {
    return std::any_of(items_.begin(), items_.end(), [&](const auto& item) { return item.first == key; });
}

double Logs::at(const std::string& key) const {
    std::string available;
    for (const auto& [name, value] : items_) {
        if (name == key) return value;
        available += (available.empty() ? "" : ", ") + name;
    }
    throw Error("Logs: no entry '" + key + "'; available: [" + available + "]");
}

Model& Callback::model() const {
    if (!model_) throw Error("Callback: not attached to a model yet; model() is available once fit/evaluate/predict starts");
    return *model_;
}

}  // namespace kx
