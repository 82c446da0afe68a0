// W3: inference with the Fashion-MNIST example's MLP (784-256-128-10), the protocol of
// ../shared/peers/torch_mlp.py: 200 warm-up calls, then 2000 single-sample predict_on_batch calls
// timed one by one (median and p99 latency in µs), and batched inference as 5 passes over the 10k
// test images in batches of 1024 (the best pass, in samples/s). Prints one JSON line.
//
//   mlp_predict            (bench/run.sh mlp_predict_b1 mlp_predict_b1024 runs it beside the peers)
#include "mlp_model.hpp"

#include <kerasxx/kerasxx.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

// Linear interpolation between the closest ranks, as the peers' fmnist.pct does.
double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const double k = static_cast<double>(values.size() - 1) * p / 100.0;
    const auto lo = static_cast<std::size_t>(k);
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (values[hi] - values[lo]) * (k - static_cast<double>(lo));
}
}  // namespace

int main() {
    kx::utils::set_random_seed(0);
    kx::Tensor x = kx::datasets::fashion_mnist::load_data().test.x;
    x /= 255.0f;
    const std::size_t n = x.shape()[0];
    kx::Sequential model = mlp_model();

    std::vector<kx::Tensor> samples;   // sliced up front: the timing covers predict only, as in the peer
    for (std::size_t i = 0; i < 2000; ++i) samples.push_back(kx::ops::slice(x, 0, i % n, i % n + 1));
    for (std::size_t i = 0; i < 200; ++i) model.predict_on_batch(samples[i]);
    std::vector<double> latency_us;
    for (const kx::Tensor& sample : samples) {
        const auto start = Clock::now();
        model.predict_on_batch(sample);
        latency_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }

    std::vector<kx::Tensor> batches;
    for (std::size_t i = 0; i < n; i += 1024) batches.push_back(kx::ops::slice(x, 0, i, std::min(i + 1024, n)));
    for (const kx::Tensor& batch : batches) model.predict_on_batch(batch);
    double best_pass_s = 1e30;
    for (int pass = 0; pass < 5; ++pass) {
        const auto start = Clock::now();
        for (const kx::Tensor& batch : batches) model.predict_on_batch(batch);
        best_pass_s = std::min(best_pass_s, std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::printf("{\"peer\": \"kerasxx\", \"w3\": {\"b1_calls\": %zu, \"b1_median_us\": %.2f, \"b1_p99_us\": %.2f, "
                "\"b1024_samples_per_s\": %.1f}}\n",
                latency_us.size(), percentile(latency_us, 50), percentile(latency_us, 99), static_cast<double>(n) / best_pass_s);
}
