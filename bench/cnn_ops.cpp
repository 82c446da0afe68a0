// Per-op timings of the CNN benchmark's training step (bench/cnn_train.cpp, batch 128): each op's
// forward, and forward + backward, on the model's shapes, best of N repetitions (a shared machine
// only ever adds time). Prints one line per op and the sum, to find where a step's time goes.
//
//   OPENBLAS_NUM_THREADS=2 cnn_ops [repetitions=30] [only ops whose name contains this]
#include <kerasxx/kerasxx.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

namespace {
kx::Tensor uniform(const kx::Shape& shape, float scale) {
    kx::Tensor t = kx::Tensor::empty(shape);
    std::uint32_t state = 12345;
    for (std::size_t i = 0; i < t.size(); ++i) {
        state = state * 1664525u + 1013904223u;
        t.data()[i] = scale * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);
    }
    return t;
}

double best_ms(int repetitions, const std::function<void()>& run) {
    double best = 1e30;
    for (int r = 0; r < repetitions; ++r) {
        const auto start = std::chrono::steady_clock::now();
        run();
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

struct Totals {
    double forward = 0, step = 0;
};

// op(x) with x a variable when `x_grad`, the op's weights being variables captured by `op`.
std::string filter;

void time_op(const char* name, const kx::Tensor& input, bool x_grad, const std::function<kx::Tensor(const kx::Tensor&)>& op,
             int repetitions, Totals& totals) {
    if (std::string(name).find(filter) == std::string::npos) return;
    const kx::Variable x("x", input, x_grad);
    const kx::Tensor probe = op(x);
    const kx::Tensor dy = uniform(probe.shape(), 1.0f);
    const double forward = best_ms(repetitions, [&] {
        kx::NoGradGuard no_grad;
        op(x);
    });
    const double step = best_ms(repetitions, [&] { kx::backward(op(x), dy); });
    totals.forward += forward;
    totals.step += step;
    std::printf("%-34s forward %7.3f ms   forward+backward %7.3f ms\n", name, forward, step);
}
}  // namespace

int main(int argc, char** argv) {
    const int repetitions = argc > 1 ? std::stoi(argv[1]) : 30;
    if (argc > 2) filter = argv[2];
    const std::size_t b = 128;
    const kx::Variable w1("w1", uniform({3, 3, 1, 32}, 0.3f)), b1("b1", uniform({32}, 0.1f));
    const kx::Variable w2("w2", uniform({3, 3, 32, 64}, 0.05f)), b2("b2", uniform({64}, 0.1f));
    const kx::Variable wd("wd", uniform({1600, 10}, 0.05f)), bd("bd", uniform({10}, 0.1f));
    Totals t;
    time_op("conv2d 28x28x1 -> 26x26x32", uniform({b, 28, 28, 1}, 1.0f), false,
            [&](const kx::Tensor& x) { return kx::ops::conv2d(x, w1, b1); }, repetitions, t);
    time_op("relu 26x26x32", uniform({b, 26, 26, 32}, 1.0f), true, [](const kx::Tensor& x) { return kx::ops::relu(x); },
            repetitions, t);
    time_op("max_pool2d 26x26x32 -> 13x13x32", uniform({b, 26, 26, 32}, 1.0f), true,
            [](const kx::Tensor& x) { return kx::ops::max_pool2d(x, 2, 2); }, repetitions, t);
    time_op("conv2d 13x13x32 -> 11x11x64", uniform({b, 13, 13, 32}, 1.0f), true,
            [&](const kx::Tensor& x) { return kx::ops::conv2d(x, w2, b2); }, repetitions, t);
    time_op("relu 11x11x64", uniform({b, 11, 11, 64}, 1.0f), true, [](const kx::Tensor& x) { return kx::ops::relu(x); },
            repetitions, t);
    time_op("max_pool2d 11x11x64 -> 5x5x64", uniform({b, 11, 11, 64}, 1.0f), true,
            [](const kx::Tensor& x) { return kx::ops::max_pool2d(x, 2, 2); }, repetitions, t);
    time_op("dense 1600 -> 10", uniform({b, 1600}, 1.0f), true,
            [&](const kx::Tensor& x) { return kx::ops::dense(x, wd, bd, "linear"); }, repetitions, t);
    std::printf("%-34s forward %7.3f ms   forward+backward %7.3f ms\n", "total", t.forward, t.step);
}
