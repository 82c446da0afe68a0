// The thread budget (lib/ops/parallel.hpp) and the kernels split across it: a batch large enough
// to be cut into several tasks, groups and L2-sized chunks, with a size (37) that none of those
// divide evenly, must give what the same kernels give one image at a time (one task, no split).
#include "ops/parallel.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>

namespace {
// ((i * a) % m - s) / s for i = 0, 1, ...: small, varied, reproducible.
kx::Tensor pattern(const kx::Shape& shape, std::size_t a, std::size_t m, float s) {
    kx::Tensor t = kx::Tensor::empty(shape);
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = (static_cast<float>((i * a) % m) - s) / s;
    return t;
}

using Op = std::function<kx::Tensor(const kx::Tensor&, const kx::Tensor&)>;

// Runs op(x, w) on the whole batch and on each image alone, seeding backward with dy, and checks
// that outputs and x-gradients agree image by image and the w-gradient equals the per-image sum.
void check_batch_matches_images(const Op& op, const kx::Tensor& x, const kx::Tensor& w, float margin) {
    const std::size_t batch = x.shape()[0];
    const kx::Variable xv("x", x.clone());
    const kx::Variable wv("w", w.clone());
    const kx::Tensor y = op(xv, wv);
    const kx::Tensor dy = pattern(y.shape(), 5, 17, 8);
    kx::backward(y, dy);

    std::vector<float> w_grad_sum(w.size(), 0.0f);
    const std::size_t x_image = x.size() / batch, y_image = y.size() / batch;
    for (std::size_t n = 0; n < batch; ++n) {
        const kx::Variable xi("xi", kx::ops::slice(x, 0, n, n + 1));
        const kx::Variable wi("wi", w.clone());
        const kx::Tensor yi = op(xi, wi);
        kx::backward(yi, kx::ops::slice(dy, 0, n, n + 1));
        INFO("image " << n);
        for (std::size_t i = 0; i < y_image; ++i) REQUIRE(y.data()[n * y_image + i] == Approx(yi.data()[i]).margin(margin));
        for (std::size_t i = 0; i < x_image; ++i)
            REQUIRE(xv.grad().data()[n * x_image + i] == Approx(xi.grad().data()[i]).margin(margin));
        if (wi.grad().defined())
            for (std::size_t i = 0; i < w.size(); ++i) w_grad_sum[i] += wi.grad().data()[i];
    }
    if (!wv.grad().defined()) return;
    for (std::size_t i = 0; i < w.size(); ++i) {
        INFO("w element " << i);
        CHECK(wv.grad().data()[i] == Approx(w_grad_sum[i]).margin(margin * static_cast<float>(batch)));
    }
}
}  // namespace

TEST_CASE("ThreadPool runs every task exactly once and uses the whole thread budget", "[perf-kernels]") {
    kx::detail::ThreadPool& pool = kx::detail::ThreadPool::instance();
    CHECK(pool.threads() == kx::detail::blas_threads());
    std::vector<std::atomic<int>> hits(1001);
    for (int round = 0; round < 50; ++round) pool.run(hits.size(), [&](std::size_t i) { hits[i].fetch_add(1); });
    for (const auto& h : hits) REQUIRE(h.load() == 50);
}

TEST_CASE("ThreadPool rethrows a task's exception on the caller and stays usable", "[perf-kernels]") {
    kx::detail::ThreadPool& pool = kx::detail::ThreadPool::instance();
    REQUIRE_THROWS_WITH(pool.run(64, [](std::size_t i) {
        if (i == 17) throw std::runtime_error("task 17 failed");
    }), "task 17 failed");
    std::atomic<std::size_t> sum{0};
    pool.run(64, [&](std::size_t i) { sum += i; });
    CHECK(sum.load() == 64 * 63 / 2);
}

TEST_CASE("ThreadPool serves two threads at once, one of them serially", "[perf-kernels]") {
    kx::detail::ThreadPool& pool = kx::detail::ThreadPool::instance();
    std::vector<std::atomic<int>> a(2000), b(2000);
    std::thread other([&] {
        for (int round = 0; round < 200; ++round) pool.run(b.size(), [&](std::size_t i) { b[i].fetch_add(1); });
    });
    for (int round = 0; round < 200; ++round) pool.run(a.size(), [&](std::size_t i) { a[i].fetch_add(1); });
    other.join();
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE((a[i].load() == 200 && b[i].load() == 200));
}

TEST_CASE("inside a parallel region OpenBLAS runs single-threaded and nested regions run serially", "[perf-kernels]") {
    const std::size_t budget = kx::detail::blas_threads();
    std::atomic<std::size_t> max_blas_threads{0}, nested{0};
    kx::detail::ThreadPool::instance().run(8, [&](std::size_t) {
        max_blas_threads = std::max(max_blas_threads.load(), kx::detail::blas_threads());
        kx::detail::ThreadPool::instance().run(4, [&](std::size_t) { ++nested; });
    });
    CHECK(max_blas_threads.load() == 1);
    CHECK(nested.load() == 32);
    CHECK(kx::detail::blas_threads() == budget);   // restored after the region
}

TEST_CASE("parallel_for covers [0, n) once with ranges no shorter than the grain", "[perf-kernels]") {
    for (std::size_t n : {0u, 1u, 7u, 100u, 1000u, 100003u}) {
        std::vector<std::atomic<int>> hits(n);
        std::atomic<std::size_t> shortest{n};
        kx::detail::parallel_for(n, 10, [&](std::size_t begin, std::size_t end) {
            shortest = std::min(shortest.load(), end - begin);
            for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
        });
        INFO("n = " << n);
        for (const auto& h : hits) REQUIRE(h.load() == 1);
        if (n >= 10) CHECK(shortest.load() >= 10);
    }
}

TEST_CASE("conv2d on a batch gives each image's output and gradients", "[perf-kernels]") {
    const kx::Tensor x = pattern({37, 9, 8, 3}, 7, 11, 5);
    const kx::Tensor w = pattern({3, 3, 3, 4}, 5, 13, 6);
    const kx::Tensor b({4}, {0.1f, -0.2f, 0.3f, 0.0f});
    for (const char* padding : {"valid", "same"}) {
        INFO("padding " << padding);
        check_batch_matches_images([&](const kx::Tensor& in, const kx::Tensor& k) { return kx::ops::conv2d(in, k, b, 1, padding); },
                                   x, w, 1e-4f);
    }
    INFO("strides 2, dilation 2, 1x1 kernel");
    check_batch_matches_images([&](const kx::Tensor& in, const kx::Tensor& k) { return kx::ops::conv2d(in, k, b, 2, "same"); },
                               x, w, 1e-4f);
    check_batch_matches_images([&](const kx::Tensor& in, const kx::Tensor& k) { return kx::ops::conv2d(in, k, b, 1, "same", 2); },
                               x, w, 1e-4f);
    check_batch_matches_images([](const kx::Tensor& in, const kx::Tensor& k) { return kx::ops::conv2d(in, k, kx::Tensor()); },
                               x, pattern({1, 1, 3, 4}, 5, 13, 6), 1e-4f);
}

TEST_CASE("conv2d's bias gradient on a batch is the sum of dy over batch and pixels", "[perf-kernels]") {
    const kx::Tensor x = pattern({37, 6, 6, 2}, 7, 11, 5);
    const kx::Variable b("b", kx::Tensor({3}, {0.1f, -0.2f, 0.3f}));
    const kx::Tensor y = kx::ops::conv2d(x, pattern({3, 3, 2, 3}, 5, 13, 6), b);
    const kx::Tensor dy = pattern(y.shape(), 5, 17, 8);
    kx::backward(y, dy);
    for (std::size_t j = 0; j < 3; ++j) {
        double expected = 0.0;
        for (std::size_t i = j; i < dy.size(); i += 3) expected += dy.data()[i];
        CHECK(b.grad().data()[j] == Approx(expected).margin(1e-3));
    }
}

TEST_CASE("max_pool2d and avg_pool2d on a batch give each image's output and gradient", "[perf-kernels]") {
    // 37 images of 40x40x32 floats: above the pooling kernels' threshold for splitting the batch.
    const kx::Tensor x = pattern({37, 40, 40, 32}, 7, 1009, 500);
    const kx::Tensor unused({1}, {0.0f});
    check_batch_matches_images([](const kx::Tensor& in, const kx::Tensor&) { return kx::ops::max_pool2d(in, 2, 2); },
                               x, unused, 1e-6f);
    check_batch_matches_images([](const kx::Tensor& in, const kx::Tensor&) { return kx::ops::avg_pool2d(in, 3, 2, "same"); },
                               x, unused, 1e-6f);
}

TEST_CASE("relu split across threads computes max(x, 0) and its gradient on every element", "[perf-kernels]") {
    const kx::Variable x("x", pattern({300001}, 7, 11, 5));   // several times the elementwise grain
    const kx::Tensor y = kx::ops::relu(x);
    const kx::Tensor dy = pattern({300001}, 5, 17, 8);
    kx::backward(y, dy);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const float v = x.data()[i];
        REQUIRE(y.data()[i] == std::max(v, 0.0f));
        REQUIRE(x.grad().data()[i] == (v > 0.0f ? dy.data()[i] : 0.0f));
    }
}
