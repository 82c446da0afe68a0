// Internal: the process's one thread budget, for kernels OpenBLAS does not run (im2col, pooling,
// elementwise) and for GEMMs split by batch. The budget is OpenBLAS's thread count
// (OPENBLAS_NUM_THREADS, or the core count): a parallel region runs on the caller plus budget - 1
// pool workers while OpenBLAS is switched to one thread, so the two pools never compete for cores.
//
//   detail::parallel_for(n, grain, [&](std::size_t begin, std::size_t end) { ...elements [begin, end)... });
//   detail::ThreadPool::instance().run(tasks, [&](std::size_t task) { ...task... });
//
// Tasks are handed out dynamically: whichever thread is free takes the next one, so a worker that
// the OS has not scheduled yet (a busy machine) delays nothing, and the caller never waits for a
// task that nobody started. Kernels that reduce across tasks keep one partial result per task,
// not per thread, and sum them in task order: results do not depend on who ran what.
#pragma once

#include "blas.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace kx::detail {

class ThreadPool {
public:
    static ThreadPool& instance() {
        static ThreadPool pool(blas_threads());
        return pool;
    }

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    ~ThreadPool() {
        stopping_.store(true);
        generation_.fetch_add(1);
        generation_.notify_all();
        for (std::thread& t : workers_) t.join();
    }

    std::size_t threads() const { return workers_.size() + 1; }

    // Calls task(i) once for every i in [0, tasks), in no particular order, on the caller and the
    // pool's workers, and returns when all calls have returned (rethrowing the first exception).
    // Inside a task, and while another thread holds the pool (a data pipeline's thread running
    // ops beside training), the tasks run serially on the calling thread.
    template <class F>
    void run(std::size_t tasks, F&& task) {
        if (tasks <= 1 || workers_.empty() || in_region() || busy_.exchange(true)) {
            for (std::size_t i = 0; i < tasks; ++i) task(i);
            return;
        }
        const Release release{busy_};
        const SingleThreadedBlas one_blas_thread;
        in_region() = true;
        job_ = [](void* f, std::size_t i) { (*static_cast<std::remove_reference_t<F>*>(f))(i); };
        context_ = &task;
        tasks_ = tasks;
        next_.store(0);
        error_ = nullptr;
        has_error_.store(false);
        open_.store(true);
        generation_.fetch_add(1);
        generation_.notify_all();
        drain();
        // Closed first, then waited for: a worker that joins after the close sees it and leaves
        // without touching the job (both sides use sequentially consistent atomics).
        open_.store(false);
        while (active_.load() != 0) pause();
        in_region() = false;
        if (error_) std::rethrow_exception(error_);
    }

private:
    struct Release {
        std::atomic<bool>& flag;
        ~Release() { flag.store(false); }
    };

    explicit ThreadPool(std::size_t threads) {
        for (std::size_t t = 1; t < threads; ++t) workers_.emplace_back([this] { work(); });
    }

    static bool& in_region() {
        thread_local bool inside = false;
        return inside;
    }

    static void pause() {
#if defined(__x86_64__) || defined(__i386__)
        _mm_pause();
#else
        std::this_thread::yield();
#endif
    }

    void drain() {
        for (std::size_t i = next_.fetch_add(1); i < tasks_; i = next_.fetch_add(1)) {
            try {
                job_(context_, i);
            } catch (...) {
                if (!has_error_.exchange(true)) error_ = std::current_exception();
            }
        }
    }

    // Workers spin briefly between regions (an op's kernels follow each other within
    // microseconds, and a futex wake-up costs tens of them in a VM), then sleep.
    void work() {
        in_region() = true;
        std::uint32_t seen = 0;   // the generation at construction, before any region could start
        for (;;) {
            for (int spin = 0; spin < spin_limit && generation_.load(std::memory_order_relaxed) == seen; ++spin) pause();
            generation_.wait(seen);
            seen = generation_.load();
            if (stopping_.load()) return;
            active_.fetch_add(1);
            if (open_.load()) drain();
            active_.fetch_sub(1);
        }
    }

    static constexpr int spin_limit = 1 << 12;   // about 0.2 ms: _mm_pause is ~50 ns on Zen 4

    std::vector<std::thread> workers_;
    std::atomic<std::uint32_t> generation_{0};   // bumped when a region opens
    std::atomic<bool> open_{false};              // the current region still hands out tasks
    std::atomic<std::size_t> active_{0};         // workers inside the current region
    std::atomic<std::size_t> next_{0};           // the next task to hand out
    std::atomic<bool> busy_{false};               // a thread is running a region
    std::atomic<bool> stopping_{false};
    std::atomic<bool> has_error_{false};
    std::size_t tasks_ = 0;
    void (*job_)(void*, std::size_t) = nullptr;
    void* context_ = nullptr;
    std::exception_ptr error_;
};

// body(begin, end) over contiguous ranges splitting [0, n), a few per thread so that a late or
// slow thread costs little; ranges are at least `grain` long (shorter ones are not worth a
// thread's wake-up), so a small n runs on the caller alone.
template <class F>
void parallel_for(std::size_t n, std::size_t grain, F&& body) {
    ThreadPool& pool = ThreadPool::instance();
    const std::size_t tasks = std::min(4 * pool.threads(), n / std::max<std::size_t>(grain, 1));
    if (tasks <= 1) {
        if (n > 0) body(std::size_t{0}, n);
        return;
    }
    pool.run(tasks, [&](std::size_t i) { body(n * i / tasks, n * (i + 1) / tasks); });
}

}  // namespace kx::detail
