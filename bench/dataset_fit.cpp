// W6: what a kx::data::Dataset pipeline costs model.fit against in-memory arrays. The W1 MLP
// (784-256-128-10, Adam 1e-3, batch 128) trains one epoch from arrays (x already / 255, shuffled by
// fit) and one epoch from
//   Dataset::from_tensor_slices({x_raw, y}).shuffle(60000, seed).batch(128).map(x / 255).prefetch(2)
// The map runs on whole batches (after batch), as a performance-aware tf.data user writes it: one
// vectorised multiply per batch instead of 128 small ones. Both paths are warmed up first (20
// batches each), then array and dataset epochs alternate 3 times; the JSON line gives each path's
// median samples/s (60000 / epoch wall time) and the dataset's overhead in percent (target <= 5).
//
//   dataset_fit
#include "epoch_timer.hpp"
#include "mlp_model.hpp"

#include <kerasxx/kerasxx.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {
kx::data::Dataset pipeline(const kx::Tensor& x_raw, const kx::Tensor& y, std::size_t samples) {
    using kx::data::Element;
    return kx::data::Dataset::from_tensor_slices({x_raw, y})
        .take(static_cast<std::int64_t>(samples))
        .shuffle(samples, {.seed = 1})
        .batch(128)
        .map([](const Element& b) { return Element::tuple({b[0].tensor() * (1.0f / 255.0f), b[1]}); })
        .prefetch(2);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
}  // namespace

int main() {
    kx::utils::set_random_seed(0);
    auto [train, test] = kx::datasets::fashion_mnist::load_data();
    const kx::Tensor x = train.x / 255.0f;
    const double samples = static_cast<double>(train.x.shape()[0]);

    const std::size_t warm = 20 * 128;
    compiled_mlp_model().fit(kx::ops::slice(x, 0, 0, warm), kx::ops::slice(train.y, 0, 0, warm), {.batch_size = 128, .verbose = 0});
    compiled_mlp_model().fit(pipeline(train.x, train.y, warm), {.verbose = 0});

    kx::Sequential array_model = compiled_mlp_model(), dataset_model = compiled_mlp_model();
    const kx::data::Dataset dataset = pipeline(train.x, train.y, train.x.shape()[0]);
    auto array_timer = std::make_shared<EpochTimer>(), dataset_timer = std::make_shared<EpochTimer>();
    for (int round = 0; round < 3; ++round) {
        array_model.fit(x, train.y, {.batch_size = 128, .verbose = 0, .callbacks = {array_timer}});
        dataset_model.fit(dataset, {.verbose = 0, .callbacks = {dataset_timer}});
    }
    std::vector<double> array_rates, dataset_rates;
    for (double s : array_timer->seconds) array_rates.push_back(samples / s);
    for (double s : dataset_timer->seconds) dataset_rates.push_back(samples / s);
    const double array = median(array_rates), dataset_rate = median(dataset_rates);
    std::printf("{\"peer\": \"kerasxx\", \"w6\": {\"array_samples_per_s\": %.1f, \"dataset_samples_per_s\": %.1f, "
                "\"overhead_pct\": %.2f}}\n",
                array, dataset_rate, 100.0 * (1.0 - dataset_rate / array));
}
