// map: sequential, or on a pool of threads with the results handed out in input order.
#include "node.hpp"

#include <kerasxx/error.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace kx::data {

namespace {

class SequentialMap final : public detail::IteratorImpl {
public:
    SequentialMap(std::unique_ptr<IteratorImpl> input, const MapFn& fn) : input_(std::move(input)), fn_(fn) {}
    std::optional<Element> next() override {
        auto e = input_->next();
        if (!e) return std::nullopt;
        return fn_(*e);
    }

private:
    std::unique_ptr<IteratorImpl> input_;
    const MapFn& fn_;   // owned by the MapNode this iterator keeps alive
};

// The consumer thread pulls inputs (the input iterator is single-threaded) and queues them as tasks;
// workers run fn; the consumer waits for the oldest slot, so the output order is the input order.
class ParallelMap final : public detail::IteratorImpl {
public:
    ParallelMap(std::unique_ptr<IteratorImpl> input, const MapFn& fn, std::size_t threads)
        : input_(std::move(input)), fn_(fn), window_size_(2 * threads) {
        workers_.reserve(threads);
        for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    ~ParallelMap() override {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        task_ready_.notify_all();
        for (auto& worker : workers_) worker.join();
    }

    std::optional<Element> next() override {
        while (!input_done_ && window_.size() < window_size_) {
            std::optional<Element> e;
            try {
                e = input_->next();
            } catch (...) {
                // Thrown after the elements already in flight, as a sequential map would.
                input_error_ = std::current_exception();
            }
            if (!e) {
                input_done_ = true;
                break;
            }
            auto slot = std::make_shared<Slot>();
            window_.push_back(slot);
            {
                std::lock_guard lock(mutex_);
                tasks_.push_back({std::move(slot), std::move(*e)});
            }
            task_ready_.notify_one();
        }
        if (window_.empty()) {
            if (input_error_) std::rethrow_exception(std::exchange(input_error_, nullptr));
            return std::nullopt;
        }
        std::shared_ptr<Slot> slot = std::move(window_.front());
        window_.pop_front();
        std::unique_lock lock(mutex_);
        result_ready_.wait(lock, [&] { return slot->ready; });
        if (slot->error) std::rethrow_exception(slot->error);
        return std::move(slot->result);
    }

private:
    struct Slot {
        std::optional<Element> result;
        std::exception_ptr error;
        bool ready = false;
    };
    struct Task {
        std::shared_ptr<Slot> slot;
        Element input;
    };

    void work() {
        for (;;) {
            Task task;
            {
                std::unique_lock lock(mutex_);
                task_ready_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
                if (stop_) return;
                task = std::move(tasks_.front());
                tasks_.pop_front();
            }
            std::optional<Element> result;
            std::exception_ptr error;
            try {
                result = fn_(task.input);
            } catch (...) {
                error = std::current_exception();
            }
            {
                std::lock_guard lock(mutex_);
                task.slot->result = std::move(result);
                task.slot->error = error;
                task.slot->ready = true;
            }
            result_ready_.notify_all();
        }
    }

    std::unique_ptr<IteratorImpl> input_;
    const MapFn& fn_;
    std::size_t window_size_;   // elements in flight: enough to keep every worker busy
    bool input_done_ = false;
    std::exception_ptr input_error_;   // thrown by the input: rethrown once the window is drained
    std::deque<std::shared_ptr<Slot>> window_;   // consumer thread only
    std::mutex mutex_;
    std::condition_variable task_ready_;
    std::condition_variable result_ready_;
    std::deque<Task> tasks_;
    bool stop_ = false;
    std::vector<std::thread> workers_;   // last: started once everything above exists
};

class MapNode final : public detail::Node {
public:
    MapNode(std::shared_ptr<const Node> input, MapFn fn, std::size_t threads)
        : input_(std::move(input)), fn_(std::move(fn)), threads_(threads) {}

    std::unique_ptr<detail::IteratorImpl> make_iterator() const override {
        return std::make_unique<Owning>(self<MapNode>());
    }
    std::int64_t cardinality() const override { return input_->cardinality(); }

private:
    // Keeps the node (and so fn_) alive for as long as the iterator runs.
    class Owning final : public detail::IteratorImpl {
    public:
        explicit Owning(std::shared_ptr<const MapNode> node) : node_(std::move(node)) {
            if (node_->threads_ <= 1)
                impl_ = std::make_unique<SequentialMap>(node_->input_->make_iterator(), node_->fn_);
            else
                impl_ = std::make_unique<ParallelMap>(node_->input_->make_iterator(), node_->fn_, node_->threads_);
        }
        std::optional<Element> next() override { return impl_->next(); }

    private:
        std::shared_ptr<const MapNode> node_;
        std::unique_ptr<IteratorImpl> impl_;
    };

    std::shared_ptr<const Node> input_;
    MapFn fn_;
    std::size_t threads_;
};

}  // namespace

Dataset Dataset::map(MapFn fn, int num_parallel_calls) const {
    if (!fn) throw Error("Dataset::map: expected a callable, got an empty function");
    if (num_parallel_calls == 0 || num_parallel_calls < autotune)
        throw Error("Dataset::map: expected num_parallel_calls >= 1 or data::autotune (-1), got " +
                    std::to_string(num_parallel_calls));
    const std::size_t threads = num_parallel_calls == autotune
                                    ? std::max(1u, std::thread::hardware_concurrency())
                                    : static_cast<std::size_t>(num_parallel_calls);
    return Dataset(std::make_shared<MapNode>(node_, std::move(fn), threads));
}

}  // namespace kx::data
