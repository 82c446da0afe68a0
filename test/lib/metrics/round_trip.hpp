// The config round trip every metric test runs: deserialize(serialize(m)) has m's config, and
// gives m's results on the same batches.
#pragma once

#include <kerasxx/kerasxx.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>

namespace metrics_test {

// `feed` sends the same batches to a metric; `metric` must not have seen any yet.
inline void check_round_trip(kx::Metric& metric, const std::function<void(kx::Metric&)>& feed) {
    const nlohmann::json serialized = kx::metrics::serialize(metric);
    CHECK(serialized["class_name"] == metric.class_name());
    CHECK(serialized["module"] == "keras.metrics");
    const std::shared_ptr<kx::Metric> copy = kx::metrics::deserialize(serialized);
    CHECK(copy->class_name() == metric.class_name());
    CHECK(copy->get_config() == metric.get_config());
    feed(metric);
    feed(*copy);
    CHECK(copy->result() == Approx(metric.result()).margin(1e-12));
}

}  // namespace metrics_test
