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
        return std::make_unique<Iterator>(input_->make_iterator(), buffer_size_, seed);
    }
    std::int64_t cardinality() const override { return input_->cardinality(); }

private:
    class Iterator final : public detail::IteratorImpl {
    public:
        Iterator(std::unique_ptr<IteratorImpl> input, std::size_t buffer_size, std::uint64_t seed)
            : input_(std::move(input)), buffer_size_(buffer_size), engine_(seed) {}
        std::optional<Element> next() override {
            if (!filled_) {
                buffer_.reserve(buffer_size_);
                while (buffer_.size() < buffer_size_) {
                    auto e = input_->next();
                    if (!e) break;
                    buffer_.push_back(std::move(*e));
                }
                filled_ = true;
            }
            if (buffer_.empty()) return std::nullopt;
            const std::size_t j = engine_() % buffer_.size();
            Element out = std::move(buffer_[j]);
            if (auto e = input_->next()) {
                buffer_[j] = std::move(*e);
            } else {
                if (j + 1 != buffer_.size()) buffer_[j] = std::move(buffer_.back());
                buffer_.pop_back();
            }
            return out;
        }

    private:
        std::unique_ptr<IteratorImpl> input_;
        std::size_t buffer_size_;
        std::mt19937_64 engine_;
        std::vector<Element> buffer_;
        bool filled_ = false;
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
