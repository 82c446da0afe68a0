// take and skip: a window over the input's elements.
#include "node.hpp"

#include <algorithm>

namespace kx::data {

namespace {

class TakeNode final : public detail::Node {
public:
    TakeNode(std::shared_ptr<const Node> input, std::int64_t count) : input_(std::move(input)), count_(count) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(input_->make_iterator(), count_);
    }
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        if (count_ < 0) return n;
        if (n == unknown_cardinality) return n;
        return n == infinite_cardinality ? count_ : std::min(n, count_);
    }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }
    const Element* row_source() const override { return input_->row_source(); }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> input, std::int64_t count)
            : input_(std::move(input)), left_(count) {}
        std::optional<Element> next() override { return take([this] { return input_->next(); }); }
        std::optional<std::size_t> next_row() override { return take([this] { return input_->next_row(); }); }

    private:
        template <class Pull>
        auto take(Pull pull) -> decltype(pull()) {
            if (left_ == 0) return std::nullopt;   // stops pulling: a following element is never computed
            if (left_ > 0) --left_;
            return pull();
        }

        std::unique_ptr<IteratorImpl> input_;
        std::int64_t left_;   // negative: unlimited
    };

    std::shared_ptr<const Node> input_;
    std::int64_t count_;
};

class SkipNode final : public detail::Node {
public:
    SkipNode(std::shared_ptr<const Node> input, std::int64_t count) : input_(std::move(input)), count_(count) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(input_->make_iterator(), count_);
    }
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        if (n < 0) return n;
        return count_ < 0 ? 0 : std::max<std::int64_t>(0, n - count_);
    }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }
    const Element* row_source() const override { return input_->row_source(); }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> input, std::int64_t count)
            : input_(std::move(input)), to_skip_(count) {}
        std::optional<Element> next() override { return skip([this] { return input_->next(); }); }
        std::optional<std::size_t> next_row() override { return skip([this] { return input_->next_row(); }); }

    private:
        template <class Pull>
        auto skip(Pull pull) -> decltype(pull()) {
            for (; to_skip_ != 0; to_skip_ = to_skip_ > 0 ? to_skip_ - 1 : to_skip_)
                if (!pull()) return std::nullopt;
            return pull();
        }

        std::unique_ptr<IteratorImpl> input_;
        std::int64_t to_skip_;   // negative: skip everything
    };

    std::shared_ptr<const Node> input_;
    std::int64_t count_;
};

}  // namespace

Dataset Dataset::take(std::int64_t count) const { return Dataset(std::make_shared<TakeNode>(node_, count)); }

Dataset Dataset::skip(std::int64_t count) const { return Dataset(std::make_shared<SkipNode>(node_, count)); }

}  // namespace kx::data
