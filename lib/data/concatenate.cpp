#include "node.hpp"

#include <kerasxx/error.hpp>

namespace kx::data {

namespace {

class ConcatenateNode final : public detail::Node {
public:
    ConcatenateNode(std::shared_ptr<const Node> first, std::shared_ptr<const Node> second)
        : first_(std::move(first)), second_(std::move(second)) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(first_->make_iterator(), second_);
    }
    std::int64_t cardinality() const override {
        const std::int64_t a = first_->cardinality();
        const std::int64_t b = second_->cardinality();
        if (a == infinite_cardinality || b == infinite_cardinality) return infinite_cardinality;
        if (a == unknown_cardinality || b == unknown_cardinality) return unknown_cardinality;
        return a + b;
    }
    // Dimensions that differ between the two become unknown; differing structures are reported by
    // the iterator when the second dataset's elements arrive.
    std::optional<ElementSpec> element_spec() const override {
        auto a = first_->element_spec();
        auto b = second_->element_spec();
        if (!a || !b || !a->compatible_structure(*b)) return std::nullopt;
        return a->merge(*b);
    }

private:
    // Structures are checked as elements flow: a map fn's output structure is only known by running it.
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> first, std::shared_ptr<const Node> second)
            : current_(std::move(first)), second_(std::move(second)) {}
        std::optional<Element> next() override {
            auto e = current_->next();
            if (!e && second_) {
                current_ = second_->make_iterator();
                second_ = nullptr;
                e = current_->next();
            }
            if (!e) return std::nullopt;
            if (!reference_) {
                reference_ = e;
            } else if (!e->same_structure(*reference_)) {
                throw Error("Dataset::concatenate: expected elements with the structure " + reference_->structure() +
                            " in both datasets, got " + e->structure());
            }
            return e;
        }

    private:
        std::unique_ptr<IteratorImpl> current_;
        std::shared_ptr<const Node> second_;   // null once the second dataset has started
        std::optional<Element> reference_;     // the first element seen
    };

    std::shared_ptr<const Node> first_;
    std::shared_ptr<const Node> second_;
};

}  // namespace

Dataset Dataset::concatenate(const Dataset& other) const {
    return Dataset(std::make_shared<ConcatenateNode>(node_, other.node_));
}

}  // namespace kx::data
