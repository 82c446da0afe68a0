// The Dataset handle and its iterator; each transformation lives in its own file.
#include "node.hpp"

namespace kx::data {

Dataset::Dataset(std::shared_ptr<const detail::Node> node) : node_(std::move(node)) {}

std::int64_t Dataset::cardinality() const { return node_->cardinality(); }

std::optional<ElementSpec> Dataset::element_spec() const { return node_->element_spec(); }

Dataset::Iterator Dataset::begin() const { return Iterator(node_->make_iterator()); }

Dataset::Iterator::Iterator(std::unique_ptr<detail::IteratorImpl> impl) : impl_(std::move(impl)) {
    current_ = impl_->next();
}
Dataset::Iterator::Iterator(Iterator&&) noexcept = default;
Dataset::Iterator& Dataset::Iterator::operator=(Iterator&&) noexcept = default;
Dataset::Iterator::~Iterator() = default;

Dataset::Iterator& Dataset::Iterator::operator++() {
    current_ = impl_->next();
    return *this;
}

std::optional<Element> Dataset::Iterator::next() {
    std::optional<Element> out = std::move(current_);
    current_ = out ? impl_->next() : std::nullopt;
    return out;
}

}  // namespace kx::data
