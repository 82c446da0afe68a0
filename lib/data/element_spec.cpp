#include <kerasxx/data/element_spec.hpp>
#include <kerasxx/error.hpp>

#include <algorithm>

namespace kx::data {

ElementSpec ElementSpec::tensor(std::vector<std::int64_t> shape) {
    for (std::int64_t d : shape)
        if (d < 0 && d != unknown_dim)
            throw Error("data::ElementSpec::tensor: expected dimensions >= 0 or unknown_dim (-1), got " +
                        std::to_string(d));
    ElementSpec out;
    out.kind_ = Kind::tensor;
    out.shape_ = std::move(shape);
    return out;
}

ElementSpec ElementSpec::tuple(std::vector<ElementSpec> items) {
    ElementSpec out;
    out.items_ = std::move(items);
    return out;
}

ElementSpec ElementSpec::dict(std::vector<std::pair<std::string, ElementSpec>> items) {
    // Sorted like Element::dict, so a spec and the elements it describes list their keys alike.
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    ElementSpec out;
    out.kind_ = Kind::dict;
    for (auto& [key, value] : items) {
        if (!out.keys_.empty() && out.keys_.back() == key)
            throw Error("data::ElementSpec::dict: duplicate key '" + key + "'");
        out.keys_.push_back(key);
        out.items_.push_back(std::move(value));
    }
    return out;
}

ElementSpec ElementSpec::of(const Element& element) {
    if (element.is_tensor()) {
        const Shape& shape = element.tensor().shape();
        return tensor(std::vector<std::int64_t>(shape.begin(), shape.end()));
    }
    ElementSpec out;
    out.kind_ = element.kind();
    out.keys_ = element.keys();
    for (const auto& item : element.items()) out.items_.push_back(of(item));
    return out;
}

bool ElementSpec::matches(const Element& element) const {
    if (kind_ != element.kind()) return false;
    if (kind_ == Kind::tensor) {
        const Shape& shape = element.tensor().shape();
        if (shape.size() != shape_.size()) return false;
        for (std::size_t i = 0; i < shape.size(); ++i)
            if (shape_[i] != unknown_dim && static_cast<std::uint64_t>(shape_[i]) != shape[i]) return false;
        return true;
    }
    if (items_.size() != element.items().size() || keys_ != element.keys()) return false;
    for (std::size_t i = 0; i < items_.size(); ++i)
        if (!items_[i].matches(element.items()[i])) return false;
    return true;
}

bool ElementSpec::compatible_structure(const ElementSpec& other) const {
    if (kind_ != other.kind_ || items_.size() != other.items_.size() || keys_ != other.keys_ ||
        shape_.size() != other.shape_.size())
        return false;
    for (std::size_t i = 0; i < items_.size(); ++i)
        if (!items_[i].compatible_structure(other.items_[i])) return false;
    return true;
}

ElementSpec ElementSpec::merge(const ElementSpec& other) const {
    if (!compatible_structure(other))
        throw Error("data::ElementSpec::merge: expected the same structure and ranks, got " + str() + " and " +
                    other.str());
    ElementSpec out = *this;
    for (std::size_t i = 0; i < shape_.size(); ++i)
        if (shape_[i] != other.shape_[i]) out.shape_[i] = unknown_dim;
    for (std::size_t i = 0; i < items_.size(); ++i) out.items_[i] = items_[i].merge(other.items_[i]);
    return out;
}

bool ElementSpec::fully_defined() const {
    if (std::find(shape_.begin(), shape_.end(), unknown_dim) != shape_.end()) return false;
    return std::all_of(items_.begin(), items_.end(), [](const ElementSpec& s) { return s.fully_defined(); });
}

std::string ElementSpec::str() const {
    switch (kind_) {
    case Kind::tensor: {
        // Tensor(None, 28), Tensor(4,), Tensor(): the spelling of Element::structure()
        std::string out = "Tensor(";
        for (std::size_t i = 0; i < shape_.size(); ++i) {
            if (i) out += ", ";
            out += shape_[i] == unknown_dim ? "None" : std::to_string(shape_[i]);
        }
        return out + (shape_.size() == 1 ? ",)" : ")");
    }
    case Kind::tuple: {
        std::string out = "(";
        for (std::size_t i = 0; i < items_.size(); ++i) out += (i ? ", " : "") + items_[i].str();
        return out + (items_.size() == 1 ? ",)" : ")");
    }
    case Kind::dict: {
        std::string out = "{";
        for (std::size_t i = 0; i < items_.size(); ++i) out += (i ? ", '" : "'") + keys_[i] + "': " + items_[i].str();
        return out + "}";
    }
    }
    return {};
}

}  // namespace kx::data
