#include "node.hpp"

#include <kerasxx/error.hpp>

#include <algorithm>

namespace kx::data {

namespace {

class ZipNode final : public detail::Node {
public:
    // keys empty: tuple elements; otherwise dict elements, keys[i] naming inputs[i].
    ZipNode(std::vector<std::shared_ptr<const Node>> inputs, std::vector<std::string> keys)
        : inputs_(std::move(inputs)), keys_(std::move(keys)) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        std::vector<std::unique_ptr<detail::IteratorImpl>> iterators;
        for (const auto& input : inputs_) iterators.push_back(input->make_iterator());
        return std::make_unique<Iterator>(std::move(iterators), keys_);
    }
    // The shortest input: infinite only if all are, unknown if any is.
    std::int64_t cardinality() const override {
        std::int64_t shortest = infinite_cardinality;
        for (const auto& input : inputs_) {
            const std::int64_t n = input->cardinality();
            if (n == unknown_cardinality) return n;
            if (n != infinite_cardinality) shortest = shortest == infinite_cardinality ? n : std::min(shortest, n);
        }
        return shortest;
    }
    std::optional<ElementSpec> element_spec() const override {
        std::vector<ElementSpec> specs;
        for (const auto& input : inputs_) {
            auto spec = input->element_spec();
            if (!spec) return std::nullopt;
            specs.push_back(std::move(*spec));
        }
        if (keys_.empty()) return ElementSpec::tuple(std::move(specs));
        std::vector<std::pair<std::string, ElementSpec>> named;
        for (std::size_t i = 0; i < specs.size(); ++i) named.emplace_back(keys_[i], std::move(specs[i]));
        return ElementSpec::dict(std::move(named));
    }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::vector<std::unique_ptr<IteratorImpl>> inputs, std::vector<std::string> keys)
            : inputs_(std::move(inputs)), keys_(std::move(keys)) {}
        std::optional<Element> next() override {
            if (done_) return std::nullopt;
            std::vector<Element> items;
            items.reserve(inputs_.size());
            for (auto& input : inputs_) {
                auto e = input->next();
                if (!e) {
                    done_ = true;
                    return std::nullopt;
                }
                items.push_back(std::move(*e));
            }
            if (keys_.empty()) return Element::tuple(std::move(items));
            std::vector<std::pair<std::string, Element>> named;
            for (std::size_t i = 0; i < items.size(); ++i) named.emplace_back(keys_[i], std::move(items[i]));
            return Element::dict(std::move(named));
        }

    private:
        std::vector<std::unique_ptr<IteratorImpl>> inputs_;
        std::vector<std::string> keys_;
        bool done_ = false;
    };

    std::vector<std::shared_ptr<const Node>> inputs_;
    std::vector<std::string> keys_;
};

}  // namespace

Dataset Dataset::zip(std::vector<Dataset> datasets) {
    if (datasets.empty()) throw Error("Dataset::zip: expected at least one dataset, got none");
    std::vector<std::shared_ptr<const detail::Node>> inputs;
    for (const auto& d : datasets) inputs.push_back(d.node_);
    return Dataset(std::make_shared<ZipNode>(std::move(inputs), std::vector<std::string>{}));
}

Dataset Dataset::zip(std::initializer_list<Dataset> datasets) { return zip(std::vector<Dataset>(datasets)); }

Dataset Dataset::zip(std::map<std::string, Dataset> datasets) {
    if (datasets.empty()) throw Error("Dataset::zip: expected at least one dataset, got none");
    std::vector<std::shared_ptr<const detail::Node>> inputs;
    std::vector<std::string> keys;
    for (const auto& [key, d] : datasets) {
        keys.push_back(key);
        inputs.push_back(d.node_);
    }
    return Dataset(std::make_shared<ZipNode>(std::move(inputs), std::move(keys)));
}

}  // namespace kx::data
