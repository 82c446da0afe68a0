#include "metrics/inputs.hpp"

#include <kerasxx/error.hpp>

namespace kx::metrics::detail {

std::string describe(const Metric& metric) { return metric.class_name() + " '" + metric.name() + "'"; }

Shape aligned_shape(const Metric& metric, const Tensor& y_true, const Tensor& y_pred) {
    Shape t = y_true.shape(), p = y_pred.shape();
    if (t.size() == p.size() + 1 && t.back() == 1) t.pop_back();
    else if (p.size() == t.size() + 1 && p.back() == 1) p.pop_back();
    if (t != p)
        throw Error(describe(metric) + ": y_true and y_pred must have the same shape, got y_true " +
                    to_string(y_true.shape()) + " and y_pred " + to_string(y_pred.shape()));
    return p;
}

std::vector<float> element_weights(const Metric& metric, const Tensor& sample_weight, const Shape& shape) {
    if (!sample_weight.defined()) return {};
    Shape w = sample_weight.shape();
    while (w.size() > shape.size() && w.back() == 1) w.pop_back();
    bool fits = w.size() <= shape.size();
    for (std::size_t d = 0; fits && d < w.size(); ++d) fits = w[d] == 1 || w[d] == shape[d];
    if (!fits)
        throw Error(describe(metric) + ": sample_weight of shape " + to_string(sample_weight.shape()) +
                    " does not broadcast to the inputs' shape " + to_string(shape) +
                    "; expected a scalar, one weight per sample (" + (shape.empty() ? "" : std::to_string(shape[0])) +
                    ",) or one per element");
    w.resize(shape.size(), 1);
    // Strides of the weights over `shape`: 0 along broadcast dimensions.
    std::vector<std::size_t> strides(shape.size(), 0);
    std::size_t stride = 1;
    for (std::size_t d = shape.size(); d-- > 0;) {
        strides[d] = w[d] == 1 ? 0 : stride;
        stride *= w[d];
    }
    const std::size_t size = num_elements(shape);
    std::vector<float> out(size);
    const float* src = sample_weight.data();
    std::vector<std::size_t> index(shape.size(), 0);
    for (std::size_t i = 0; i < size; ++i) {
        std::size_t offset = 0;
        for (std::size_t d = 0; d < shape.size(); ++d) offset += index[d] * strides[d];
        out[i] = src[offset];
        for (std::size_t d = shape.size(); d-- > 0;) {   // next row-major index
            if (++index[d] < shape[d]) break;
            index[d] = 0;
        }
    }
    return out;
}

std::vector<double> sample_weights(const Metric& metric, const Tensor& sample_weight, std::size_t batch) {
    if (!sample_weight.defined()) return {};
    if (sample_weight.rank() == 0) return std::vector<double>(batch, sample_weight.item());
    if (sample_weight.dim(0) != batch || sample_weight.size() != batch)
        throw Error(describe(metric) + ": expected sample_weight with one weight per sample, shape (" +
                    std::to_string(batch) + ",), got shape " + to_string(sample_weight.shape()));
    const float* w = sample_weight.data();
    return std::vector<double>(w, w + batch);
}

void throw_per_class(const Metric& metric, const std::string& argument, std::size_t classes,
                     const std::string& choices) {
    throw Error(describe(metric) + ": " + argument + "=None gives one score per class (" + std::to_string(classes) +
                " here) and result() returns one number; call result_per_class(), or set " + argument + " to " +
                choices);
}

}  // namespace kx::metrics::detail
