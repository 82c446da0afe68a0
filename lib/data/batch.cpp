// batch and its inverse, unbatch.
#include "node.hpp"

#include <kerasxx/error.hpp>

namespace kx::data {

namespace {

class BatchNode final : public detail::Node {
public:
    BatchNode(std::shared_ptr<const Node> input, std::size_t batch_size, bool drop_remainder)
        : input_(std::move(input)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(input_->make_iterator(), input_->row_source(), batch_size_, drop_remainder_);
    }
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        if (n < 0) return n;
        const auto b = static_cast<std::int64_t>(batch_size_);
        return drop_remainder_ ? n / b : (n + b - 1) / b;
    }
    // A new axis 0 of batch_size, or unknown when a smaller last batch may come (tf.data's rule).
    std::optional<ElementSpec> element_spec() const override {
        auto spec = input_->element_spec();
        if (!spec) return std::nullopt;
        const std::int64_t rows = drop_remainder_ ? static_cast<std::int64_t>(batch_size_) : unknown_dim;
        auto prepend = [rows](const std::vector<std::int64_t>& shape) {
            std::vector<std::int64_t> out{rows};
            out.insert(out.end(), shape.begin(), shape.end());
            return out;
        };
        return detail::transform_shapes(*spec, prepend);
    }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> input, const Element* source, std::size_t batch_size, bool drop_remainder)
            : input_(std::move(input)), source_(source), batch_size_(batch_size), drop_remainder_(drop_remainder) {}
        // From a row source the batch is copied straight from the source's rows; otherwise the
        // input's elements are stacked.
        std::optional<Element> next() override {
            if (source_) {
                auto rows = collect([this] { return input_->next_row(); });
                if (!rows) return std::nullopt;
                return detail::gather_rows(*source_, *rows);
            }
            auto elements = collect([this] { return input_->next(); });
            if (!elements) return std::nullopt;
            return detail::stack_elements(*elements, "Dataset::batch");
        }

    private:
        // Up to batch_size items of the input; nullopt when there are none, or too few to keep.
        template <class Pull>
        auto collect(Pull pull) -> std::optional<std::vector<typename decltype(pull())::value_type>> {
            std::vector<typename decltype(pull())::value_type> items;
            items.reserve(batch_size_);
            while (items.size() < batch_size_) {
                auto item = pull();
                if (!item) break;
                items.push_back(std::move(*item));
            }
            if (items.empty() || (drop_remainder_ && items.size() < batch_size_)) return std::nullopt;
            return items;
        }

        std::unique_ptr<IteratorImpl> input_;
        const Element* source_;   // the input's row source, or null: stack elements
        std::size_t batch_size_;
        bool drop_remainder_;
    };

    std::shared_ptr<const Node> input_;
    std::size_t batch_size_;
    bool drop_remainder_;
};

class UnbatchNode final : public detail::Node {
public:
    explicit UnbatchNode(std::shared_ptr<const Node> input) : input_(std::move(input)) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(input_->make_iterator());
    }
    // Batch sizes are only known by running the pipeline.
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        return n == 0 || n == infinite_cardinality ? n : unknown_cardinality;
    }
    std::optional<ElementSpec> element_spec() const override {
        auto spec = input_->element_spec();
        if (!spec) return std::nullopt;
        bool scalar = false;   // a scalar cannot be unbatched: the iterator reports it when it gets there
        auto drop_first = [&scalar](const std::vector<std::int64_t>& shape) {
            scalar = scalar || shape.empty();
            return shape.empty() ? shape : std::vector<std::int64_t>(shape.begin() + 1, shape.end());
        };
        auto out = detail::transform_shapes(*spec, drop_first);
        return scalar ? std::nullopt : std::optional<ElementSpec>(std::move(out));
    }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        explicit Iterator(std::unique_ptr<IteratorImpl> input) : input_(std::move(input)) {}
        std::optional<Element> next() override {
            while (row_ == rows_) {
                auto e = input_->next();
                if (!e) return std::nullopt;
                batch_ = std::move(*e);
                rows_ = detail::leading_dimension(batch_, "Dataset::unbatch");
                row_ = 0;
            }
            return detail::slice_element(batch_, row_++);
        }

    private:
        std::unique_ptr<IteratorImpl> input_;
        Element batch_;
        std::size_t rows_ = 0;
        std::size_t row_ = 0;
    };

    std::shared_ptr<const Node> input_;
};

}  // namespace

Dataset Dataset::batch(std::size_t batch_size, bool drop_remainder) const {
    if (batch_size == 0) throw Error("Dataset::batch: expected a positive batch_size, got 0");
    return Dataset(std::make_shared<BatchNode>(node_, batch_size, drop_remainder));
}

Dataset Dataset::unbatch() const { return Dataset(std::make_shared<UnbatchNode>(node_)); }

}  // namespace kx::data
