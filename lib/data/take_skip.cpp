// take and skip: a window over the input's elements, one node for both (they differ only in which
// side of `count` elements they keep).
#include "node.hpp"

#include <algorithm>

namespace kx::data {

namespace {

enum class Window { take, skip };

class WindowNode final : public detail::Node {
public:
    WindowNode(std::shared_ptr<const Node> input, std::int64_t count, Window window)
        : input_(std::move(input)), count_(count), window_(window) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(input_->make_iterator(), count_, window_);
    }
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        if (window_ == Window::skip) {
            if (n < 0) return n;
            return count_ < 0 ? 0 : std::max<std::int64_t>(0, n - count_);
        }
        if (count_ < 0) return n;
        if (n == unknown_cardinality) return n;
        return n == infinite_cardinality ? count_ : std::min(n, count_);
    }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }
    const Element* row_source() const override { return input_->row_source(); }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> input, std::int64_t count, Window window)
            : input_(std::move(input)), count_(count), window_(window) {}
        std::optional<Element> next() override { return pull([this] { return input_->next(); }); }
        std::optional<std::size_t> next_row() override { return pull([this] { return input_->next_row(); }); }

    private:
        // count_ counts down what is left to take, or to skip; negative: take all, or skip all.
        template <class Pull>
        auto pull(Pull input) -> decltype(input()) {
            if (window_ == Window::take) {
                if (count_ == 0) return std::nullopt;   // stops pulling: a following element is never computed
                if (count_ > 0) --count_;
                return input();
            }
            for (; count_ != 0; count_ = count_ > 0 ? count_ - 1 : count_)
                if (!input()) return std::nullopt;
            return input();
        }

        std::unique_ptr<IteratorImpl> input_;
        std::int64_t count_;
        Window window_;
    };

    std::shared_ptr<const Node> input_;
    std::int64_t count_;
    Window window_;
};

}  // namespace

Dataset Dataset::take(std::int64_t count) const {
    return Dataset(std::make_shared<WindowNode>(node_, count, Window::take));
}

Dataset Dataset::skip(std::int64_t count) const {
    return Dataset(std::make_shared<WindowNode>(node_, count, Window::skip));
}

}  // namespace kx::data
