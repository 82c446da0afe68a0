#include "node.hpp"

namespace kx::data {

namespace {

class RepeatNode final : public detail::Node {
public:
    RepeatNode(std::shared_ptr<const Node> input, std::int64_t count) : input_(std::move(input)), count_(count) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Iterator>(input_, count_);
    }
    // tf.data's rule: repeating an unknown-size dataset forever is infinite (unless it turns out empty).
    std::int64_t cardinality() const override {
        const std::int64_t n = input_->cardinality();
        if (count_ < 0) return n == 0 ? 0 : infinite_cardinality;
        if (count_ == 0) return 0;
        if (n < 0) return n;
        return count_ * n;
    }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }
    const Element* row_source() const override { return input_->row_source(); }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::shared_ptr<const Node> input, std::int64_t count) : input_(std::move(input)), left_(count) {
            if (left_ != 0) current_ = input_->make_iterator();
        }
        std::optional<Element> next() override { return repeat([this] { return current_->next(); }); }
        std::optional<std::size_t> next_row() override { return repeat([this] { return current_->next_row(); }); }

    private:
        template <class Pull>
        auto repeat(Pull pull) -> decltype(pull()) {
            while (current_) {
                if (auto item = pull()) {
                    produced_ = true;
                    return item;
                }
                if (left_ > 0) --left_;
                // An empty input would loop forever under repeat(-1): end instead, as tf.data does.
                current_ = left_ != 0 && produced_ ? input_->make_iterator() : nullptr;
                produced_ = false;
            }
            return std::nullopt;
        }

        std::shared_ptr<const Node> input_;
        std::int64_t left_;   // iterations still to start, counting the current one; negative: forever
        std::unique_ptr<IteratorImpl> current_;
        bool produced_ = false;   // the current iteration gave at least one element
    };

    std::shared_ptr<const Node> input_;
    std::int64_t count_;
};

}  // namespace

Dataset Dataset::repeat(std::int64_t count) const { return Dataset(std::make_shared<RepeatNode>(node_, count)); }

}  // namespace kx::data
