// prefetch: a producer thread runs the input pipeline ahead of the consumer, through a bounded queue.
#include "node.hpp"

#include <kerasxx/error.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace kx::data {

namespace {

class PrefetchIterator final : public detail::IteratorImpl {
public:
    PrefetchIterator(std::unique_ptr<IteratorImpl> input, std::size_t buffer_size)
        : input_(std::move(input)), buffer_size_(buffer_size), producer_([this] { produce(); }) {}

    // Stopping early: the producer finishes the element it is computing, sees stop_ and exits.
    ~PrefetchIterator() override {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        space_.notify_all();
        producer_.join();
    }

    std::optional<Element> next() override {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) {
            if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
            return std::nullopt;
        }
        Element out = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        space_.notify_one();
        return out;
    }

private:
    void produce() {
        for (;;) {
            std::optional<Element> e;
            try {
                e = input_->next();
            } catch (...) {
                finish(std::current_exception());
                return;
            }
            if (!e) {
                finish(nullptr);
                return;
            }
            std::unique_lock lock(mutex_);
            space_.wait(lock, [&] { return stop_ || queue_.size() < buffer_size_; });
            if (stop_) return;
            queue_.push_back(std::move(*e));
            lock.unlock();
            ready_.notify_one();
        }
    }

    void finish(std::exception_ptr error) {
        {
            std::lock_guard lock(mutex_);
            error_ = error;
            done_ = true;
        }
        ready_.notify_one();
    }

    std::unique_ptr<IteratorImpl> input_;   // used by the producer thread only
    std::size_t buffer_size_;
    std::mutex mutex_;
    std::condition_variable ready_;         // an element (or the end) is available
    std::condition_variable space_;         // the queue has room (or stop_ was set)
    std::deque<Element> queue_;
    std::exception_ptr error_;              // thrown by the input, rethrown to the consumer in order
    bool done_ = false;
    bool stop_ = false;
    std::thread producer_;                  // last: starts once everything above exists
};

class PrefetchNode final : public detail::Node {
public:
    PrefetchNode(std::shared_ptr<const Node> input, std::size_t buffer_size)
        : input_(std::move(input)), buffer_size_(buffer_size) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<PrefetchIterator>(input_->make_iterator(), buffer_size_);
    }
    std::int64_t cardinality() const override { return input_->cardinality(); }
    std::optional<ElementSpec> element_spec() const override { return input_->element_spec(); }

private:
    std::shared_ptr<const Node> input_;
    std::size_t buffer_size_;
};

}  // namespace

Dataset Dataset::prefetch(std::size_t buffer_size) const {
    if (buffer_size == 0) throw Error("Dataset::prefetch: expected a positive buffer_size, got 0");
    return Dataset(std::make_shared<PrefetchNode>(node_, buffer_size));
}

}  // namespace kx::data
