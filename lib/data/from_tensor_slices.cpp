#include "node.hpp"

namespace kx::data {

namespace {

class SlicesNode final : public detail::Node {
public:
    explicit SlicesNode(Element tensors)
        : tensors_(std::move(tensors)),
          rows_(detail::leading_dimension(tensors_, "Dataset::from_tensor_slices")) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(self<SlicesNode>());
    }
    std::int64_t cardinality() const override { return static_cast<std::int64_t>(rows_); }
    std::optional<ElementSpec> element_spec() const override {
        auto row_shape = [](const std::vector<std::int64_t>& shape) {
            return std::vector<std::int64_t>(shape.begin() + 1, shape.end());   // rank >= 1: checked above
        };
        return detail::transform_shapes(ElementSpec::of(tensors_), row_shape);
    }
    const Element* row_source() const override { return &tensors_; }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        explicit Iterator(std::shared_ptr<const SlicesNode> node) : node_(std::move(node)) {}
        std::optional<Element> next() override {
            const auto row = next_row();
            if (!row) return std::nullopt;
            return detail::slice_element(node_->tensors_, *row);
        }
        std::optional<std::size_t> next_row() override {
            if (row_ == node_->rows_) return std::nullopt;
            return row_++;
        }

    private:
        std::shared_ptr<const SlicesNode> node_;
        std::size_t row_ = 0;
    };

    Element tensors_;
    std::size_t rows_;
};

}  // namespace

Dataset Dataset::from_tensor_slices(const Element& tensors) {
    return Dataset(std::make_shared<SlicesNode>(tensors));
}

Dataset Dataset::from_tensor_slices(std::vector<Tensor> tensors) {
    std::vector<Element> items(tensors.begin(), tensors.end());
    return from_tensor_slices(Element::tuple(std::move(items)));
}

Dataset Dataset::from_tensor_slices(std::initializer_list<Tensor> tensors) {
    return from_tensor_slices(std::vector<Tensor>(tensors));
}

Dataset Dataset::from_tensor_slices(std::map<std::string, Tensor> tensors) {
    std::vector<std::pair<std::string, Element>> items(tensors.begin(), tensors.end());
    return from_tensor_slices(Element::dict(std::move(items)));
}

}  // namespace kx::data
