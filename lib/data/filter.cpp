#include "node.hpp"

#include <kerasxx/error.hpp>

namespace kx::data {

namespace {

class FilterNode final : public detail::Node {
public:
    FilterNode(std::shared_ptr<const Node> input, Predicate predicate)
        : input_(std::move(input)), predicate_(std::move(predicate)) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(self<FilterNode>());
    }
    // How many pass is only known by running the pipeline (tf.data says unknown too).
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        return n == 0 ? 0 : unknown_cardinality;
    }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        explicit Iterator(std::shared_ptr<const FilterNode> node)
            : node_(std::move(node)), input_(node_->input_->make_iterator()) {}
        std::optional<Element> next() override {
            while (auto e = input_->next())
                if (node_->predicate_(*e)) return e;
            return std::nullopt;
        }

    private:
        std::shared_ptr<const FilterNode> node_;
        std::unique_ptr<IteratorImpl> input_;
    };

    std::shared_ptr<const Node> input_;
    Predicate predicate_;
};

}  // namespace

Dataset Dataset::filter(Predicate predicate) const {
    if (!predicate) throw Error("Dataset::filter: expected a callable, got an empty function");
    return Dataset(std::make_shared<FilterNode>(node_, std::move(predicate)));
}

}  // namespace kx::data
