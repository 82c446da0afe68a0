// How the metrics of lib/metrics read their inputs: shapes aligned as Keras aligns them, and
// sample weights broadcast to the elements they weigh.
#pragma once

#include <kerasxx/metrics/metric.hpp>

#include <string>
#include <vector>

namespace kx::metrics::detail {

std::string describe(const Metric& metric);   // "AUC 'auc'"

// The common shape of y_true and y_pred after Keras' squeeze_or_expand_to_same_rank: a trailing
// dimension of 1 on the one of higher rank is dropped; any other mismatch is a kx::Error.
Shape aligned_shape(const Metric& metric, const Tensor& y_true, const Tensor& y_pred);

// sample_weight as one weight per element of `shape`: its shape, padded with trailing 1s to the
// rank of `shape`, must broadcast to it ((B,) weighs each sample, (1, C) each column). Empty when
// sample_weight is undefined (every weight 1).
std::vector<float> element_weights(const Metric& metric, const Tensor& sample_weight, const Shape& shape);

// sample_weight as one weight per sample: a scalar, (B,) or (B, 1). Empty when undefined.
std::vector<double> sample_weights(const Metric& metric, const Tensor& sample_weight, std::size_t batch);

// Thrown when average / class_aggregation = None would return one value per class.
[[noreturn]] void throw_per_class(const Metric& metric, const std::string& argument, std::size_t classes,
                                  const std::string& choices);

}  // namespace kx::metrics::detail
