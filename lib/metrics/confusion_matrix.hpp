// Weighted confusion-matrix counts at several thresholds, shared by Precision, Recall and AUC.
#pragma once

#include <cstddef>
#include <vector>

namespace kx::metrics::detail {

inline constexpr float neg_inf = -1e10f;   // Keras' NEG_INF: the threshold that top_k alone uses

// Sorted thresholds. Evenly spaced ones (i / (n - 1), possibly with the endpoints moved out by
// an epsilon) take Keras' bucketing path: predictions clipped to [0, 1], bucket
// ceil(p * (n - 1)) - 1. Any others compare p > threshold directly.
struct Thresholds {
    std::vector<float> values;
    bool evenly_distributed = false;
    bool with_epsilon = false;   // evenly distributed, with endpoints below 0 and above 1
};

// Keras' is_evenly_distributed_thresholds: at least 3 values, each within 1e-7 of i / (n - 1).
bool evenly_distributed(const std::vector<double>& thresholds);

// Counts laid out [thresholds, columns], row-major.
struct ConfusionTable {
    std::size_t thresholds = 0, columns = 1;
    std::vector<double> tp, fp, tn, fn;
    void resize(std::size_t num_thresholds, std::size_t num_columns);
    void clear();
};

// Adds `size` elements: labels (nonzero is positive), predictions and weights (empty: all 1);
// element i counts in column i % table.columns.
void accumulate(ConfusionTable& table, const float* labels, const float* predictions, const std::vector<float>& weights,
                std::size_t size, const Thresholds& thresholds);

}  // namespace kx::metrics::detail
