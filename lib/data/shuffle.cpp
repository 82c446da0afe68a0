// shuffle: tf.data's buffer algorithm, with the exact draws documented in dataset.hpp so that an
// order is reproducible from its seed.
#include "node.hpp"
#include "random_engine.hpp"

#include <kerasxx/error.hpp>

#include <atomic>
#include <random>

namespace kx::data {

namespace {

class ShuffleNode final : public detail::Node {
public:
    ShuffleNode(std::shared_ptr<const Node> input, std::size_t buffer_size, std::uint64_t seed, bool reshuffle)
        : input_(std::move(input)), buffer_size_(buffer_size), seed_(seed), reshuffle_(reshuffle) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        // Iteration k of a reshuffling dataset draws from seed + k: every epoch differs, yet the
        // sequence of epochs is the same for a given seed.
        const std::uint64_t seed = reshuffle_ ? seed_ + iterations_.fetch_add(1) : seed_;
        return std::make_unique<Iterator>(input_->make_iterator(), row_source(), buffer_size_, seed);
    }
    std::int64_t cardinality() const override { return input_->cardinality(); }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }

    const Element* row_source() const override { return input_->row_source(); }

private:
    // The buffer algorithm over any kind of item: elements, or row numbers when the input is a
    // row source (the same draws, so the same order either way).
    template <class Item>
    class Buffer {
    public:
        Buffer(std::size_t size, std::uint64_t seed) : size_(size), engine_(seed) {}
        template <class Pull>
        std::optional<Item> next(Pull pull) {
            if (!filled_) {
                items_.reserve(size_);
                while (items_.size() < size_) {
                    auto item = pull();
                    if (!item) break;
                    items_.push_back(std::move(*item));
                }
                filled_ = true;
            }
            if (items_.empty()) return std::nullopt;
            const std::size_t j = engine_() % items_.size();
            Item out = std::move(items_[j]);
            if (auto item = pull()) {
                items_[j] = std::move(*item);
            } else {
                if (j + 1 != items_.size()) items_[j] = std::move(items_.back());
                items_.pop_back();
            }
            return out;
        }

    private:
        std::size_t size_;
        std::mt19937_64 engine_;
        std::vector<Item> items_;
        bool filled_ = false;
    };

    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> input, const Element* source, std::size_t buffer_size, std::uint64_t seed)
            : input_(std::move(input)), source_(source), elements_(buffer_size, seed), rows_(buffer_size, seed) {}
        std::optional<Element> next() override {
            if (!source_) return elements_.next([this] { return input_->next(); });
            const auto row = next_row();
            if (!row) return std::nullopt;
            return detail::slice_element(*source_, *row);
        }
        std::optional<std::size_t> next_row() override {
            return rows_.next([this] { return input_->next_row(); });
        }

    private:
        std::unique_ptr<IteratorImpl> input_;
        const Element* source_;   // the input's row source, or null: shuffle elements
        Buffer<Element> elements_;
        Buffer<std::size_t> rows_;
    };

    std::shared_ptr<const Node> input_;
    std::size_t buffer_size_;
    std::uint64_t seed_;
    bool reshuffle_;
    mutable std::atomic<std::uint64_t> iterations_{0};   // the only mutable state: which epoch is next
};

}  // namespace

Dataset Dataset::shuffle(std::size_t buffer_size, ShuffleOptions options) const {
    if (buffer_size == 0) throw Error("Dataset::shuffle: expected a positive buffer_size, got 0");
    const std::uint64_t seed = options.seed ? *options.seed : kx::detail::random_engine()();
    return Dataset(std::make_shared<ShuffleNode>(node_, buffer_size, seed, options.reshuffle_each_iteration));
}

}  // namespace kx::data
