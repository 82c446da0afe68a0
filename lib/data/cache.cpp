// cache: the first complete run is recorded in memory and replayed by every later run (the file
// variant is in cache_file.cpp).
#include "node.hpp"

#include <mutex>

namespace kx::data {

namespace {

using Elements = std::vector<Element>;

struct CacheState {
    std::mutex mutex;
    std::shared_ptr<const Elements> elements;   // null until a run has completed
};

// Replays a completed cache; Element copies share their tensors' storage.
class ReplayIterator final : public detail::IteratorImpl {
public:
    explicit ReplayIterator(std::shared_ptr<const Elements> elements) : elements_(std::move(elements)) {}
    std::optional<Element> next() override {
        if (index_ == elements_->size()) return std::nullopt;
        return (*elements_)[index_++];
    }

private:
    std::shared_ptr<const Elements> elements_;
    std::size_t index_ = 0;
};

// Runs the input and records it; publishes the record only if the run reaches the end.
class RecordIterator final : public detail::IteratorImpl {
public:
    RecordIterator(std::unique_ptr<IteratorImpl> input, std::shared_ptr<CacheState> state)
        : input_(std::move(input)), state_(std::move(state)) {}
    std::optional<Element> next() override {
        auto e = input_->next();
        if (e) {
            record_.push_back(*e);
        } else if (!published_) {
            published_ = true;
            std::lock_guard lock(state_->mutex);
            if (!state_->elements) state_->elements = std::make_shared<const Elements>(std::move(record_));
        }
        return e;
    }

private:
    std::unique_ptr<IteratorImpl> input_;
    std::shared_ptr<CacheState> state_;
    Elements record_;
    bool published_ = false;
};

class CacheNode final : public detail::Node {
public:
    explicit CacheNode(std::shared_ptr<const Node> input)
        : input_(std::move(input)), state_(std::make_shared<CacheState>()) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        {
            std::lock_guard lock(state_->mutex);
            if (state_->elements) return std::make_unique<ReplayIterator>(state_->elements);
        }
        return std::make_unique<RecordIterator>(input_->make_iterator(), state_);
    }
    std::int64_t cardinality() const override { return input_->cardinality(); }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }

private:
    std::shared_ptr<const Node> input_;
    std::shared_ptr<CacheState> state_;   // shared by every run; the node itself stays immutable
};

}  // namespace

Dataset Dataset::cache(const std::string& filename) const {
    if (filename.empty()) return Dataset(std::make_shared<CacheNode>(node_));
    return Dataset(detail::file_cache_node(node_, filename));
}

}  // namespace kx::data
