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
        return std::make_unique<Iterator>(input_->make_iterator(), batch_size_, drop_remainder_);
    }
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        if (n < 0) return n;
        const auto b = static_cast<std::int64_t>(batch_size_);
        return drop_remainder_ ? n / b : (n + b - 1) / b;
    }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> input, std::size_t batch_size, bool drop_remainder)
            : input_(std::move(input)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}
        std::optional<Element> next() override {
            std::vector<Element> rows;
            rows.reserve(batch_size_);
            while (rows.size() < batch_size_) {
                auto e = input_->next();
                if (!e) break;
                rows.push_back(std::move(*e));
            }
            if (rows.empty() || (drop_remainder_ && rows.size() < batch_size_)) return std::nullopt;
            return detail::stack_elements(rows, "Dataset::batch");
        }

    private:
        std::unique_ptr<IteratorImpl> input_;
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
