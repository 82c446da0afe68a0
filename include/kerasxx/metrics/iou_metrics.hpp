// MeanIoU: the mean intersection-over-union of classes, the usual segmentation score.
//
//   kx::metrics::MeanIoU iou(3);                                   // class ids in y_true and y_pred
//   kx::metrics::MeanIoU from_scores(3, {.sparse_y_pred = false});  // y_pred (..., 3): argmax
//   iou.update_state(label_map, predicted_map);
//
// Every element of y_true is one observation; sample_weight is a scalar, one weight per sample
// (B,) spread over the sample's elements, or one weight per element.
#pragma once

#include <kerasxx/metrics/metric.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kx::metrics {

struct MeanIoUOptions {
    std::string name = "mean_io_u";      // Keras' automatic name for MeanIoU
    std::optional<int> ignore_class = {};     // elements labelled with it do not count (e.g. 255, -1)
    bool sparse_y_true = true;           // false: y_true holds scores/one-hot, its argmax is the class
    bool sparse_y_pred = true;           // false: y_pred holds scores, its argmax is the class
    int axis = -1;                       // the class axis of non-sparse inputs; only -1 is supported
};
// Per class c: iou_c = cm[c][c] / (row_c + col_c - cm[c][c]) over the weighted confusion matrix
// (rows true, columns predicted); the result is the mean over classes that occurred (with
// Keras' epsilon 1e-7 in the denominators).
class MeanIoU : public Metric {
public:
    explicit MeanIoU(int num_classes, MeanIoUOptions options = {});
    void update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) override;
    double result() const override;
    void reset_state() override;
    std::string class_name() const override { return "MeanIoU"; }
    std::string name() const override { return options_.name; }
    // Keras' keys: num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis.
    nlohmann::json get_config() const override;
    // [num_classes, num_classes], row-major: true class by predicted class.
    const std::vector<double>& total_confusion_matrix() const { return total_cm_; }

private:
    int num_classes_;
    MeanIoUOptions options_;
    std::vector<double> total_cm_;
};

}  // namespace kx::metrics
