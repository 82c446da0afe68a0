#include <kerasxx/data/element.hpp>
#include <kerasxx/error.hpp>

#include <algorithm>

namespace kx::data {

Element::Element(Tensor tensor) : kind_(Kind::tensor), tensor_(std::move(tensor)) {}

Element Element::tuple(std::vector<Element> items) {
    Element out;
    out.kind_ = Kind::tuple;
    out.items_ = std::move(items);
    return out;
}

Element Element::dict(std::vector<std::pair<std::string, Element>> items) {
    // Sorted keys make the structure independent of the order the user wrote them in.
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    Element out;
    out.kind_ = Kind::dict;
    for (auto& [key, value] : items) {
        if (!out.keys_.empty() && out.keys_.back() == key)
            throw Error("data::Element::dict: duplicate key '" + key + "'");
        out.keys_.push_back(key);
        out.items_.push_back(std::move(value));
    }
    return out;
}

const Tensor& Element::tensor() const {
    if (kind_ != Kind::tensor)
        throw Error("data::Element::tensor: expected a single tensor, got the structure " + structure());
    return tensor_;
}

std::size_t Element::size() const {
    if (kind_ == Kind::tensor)
        throw Error("data::Element::size: expected a tuple or a dict, got a single tensor " + structure());
    return items_.size();
}

const Element& Element::operator[](std::size_t index) const {
    if (kind_ != Kind::tuple)
        throw Error("data::Element[" + std::to_string(index) + "]: expected a tuple, got the structure " +
                    structure());
    if (index >= items_.size())
        throw Error("data::Element[" + std::to_string(index) + "]: index out of range for a tuple of " +
                    std::to_string(items_.size()) + " items");
    return items_[index];
}

const Element& Element::operator[](const std::string& key) const {
    if (kind_ != Kind::dict)
        throw Error("data::Element['" + key + "']: expected a dict, got the structure " + structure());
    const auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
    if (it == keys_.end() || *it != key) {
        std::string valid;
        for (const auto& k : keys_) valid += (valid.empty() ? "'" : ", '") + k + "'";
        throw Error("data::Element['" + key + "']: no such key; the keys are " + valid);
    }
    return items_[static_cast<std::size_t>(it - keys_.begin())];
}

bool Element::contains(const std::string& key) const {
    return kind_ == Kind::dict && std::binary_search(keys_.begin(), keys_.end(), key);
}

std::string Element::structure() const {
    switch (kind_) {
    case Kind::tensor: return "Tensor" + to_string(tensor_.shape());   // Tensor(2, 3), Tensor(4,)
    case Kind::tuple: {
        std::string out = "(";
        for (std::size_t i = 0; i < items_.size(); ++i) out += (i ? ", " : "") + items_[i].structure();
        return out + (items_.size() == 1 ? ",)" : ")");
    }
    case Kind::dict: {
        std::string out = "{";
        for (std::size_t i = 0; i < items_.size(); ++i)
            out += (i ? ", '" : "'") + keys_[i] + "': " + items_[i].structure();
        return out + "}";
    }
    }
    return {};
}

bool Element::same_structure(const Element& other) const {
    if (kind_ != other.kind_ || items_.size() != other.items_.size() || keys_ != other.keys_) return false;
    for (std::size_t i = 0; i < items_.size(); ++i)
        if (!items_[i].same_structure(other.items_[i])) return false;
    return true;
}

std::vector<Tensor> Element::flatten() const {
    if (kind_ == Kind::tensor) return {tensor_};
    std::vector<Tensor> out;
    for (const auto& item : items_) {
        auto leaves = item.flatten();
        out.insert(out.end(), leaves.begin(), leaves.end());
    }
    return out;
}

}  // namespace kx::data
