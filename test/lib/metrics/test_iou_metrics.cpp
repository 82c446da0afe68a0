// MeanIoU. Values: the docstring examples of keras/src/metrics/iou_metrics.py (MeanIoU and
// OneHotMeanIoU) and, for ignore_class, a hand count (below). Tolerance: relative 1e-6.

#include "round_trip.hpp"

namespace {

using kx::Tensor;
using kx::metrics::MeanIoU;

Approx near(double value) { return Approx(value).epsilon(1e-6); }

}  // namespace

TEST_CASE("MeanIoU averages the intersection over union of the classes seen", "[metrics4]") {
    MeanIoU iou(2);
    CHECK(iou.name() == "mean_io_u");
    iou.update_state(Tensor({4}, {0, 0, 1, 1}), Tensor({4}, {0, 1, 0, 1}));
    CHECK(iou.result() == near(0.33333334));   // docstring: cm [[1, 1], [1, 1]]
    iou.reset_state();
    iou.update_state(Tensor({4}, {0, 0, 1, 1}), Tensor({4}, {0, 1, 0, 1}), Tensor({4}, {0.3f, 0.3f, 0.3f, 0.1f}));
    CHECK(iou.result() == near(0.23809525));   // docstring
    CHECK(iou.total_confusion_matrix() == std::vector<double>{0.3f, 0.3f, 0.3f, 0.1f});
    // Maps (B, H, W) with one weight per sample spread over its pixels: sample 1 weighs nothing.
    MeanIoU maps(2);
    maps.update_state(Tensor({2, 1, 2}, {0, 1, 1, 1}), Tensor({2, 1, 2}, {0, 1, 0, 0}), Tensor({2}, {1.f, 0.f}));
    CHECK(maps.result() == near(1.0 - 1e-7));   // cm [[1, 0], [0, 1]]: both IoUs 1 (each 1 / (1 + eps))
}

TEST_CASE("MeanIoU ignores ignore_class and reads scores through argmax", "[metrics4]") {
    // ignore_class 255 drops the second pixel; cm rows (true) [[2, 0, 0], [1, 1, 0], [0, 0, 0]]:
    // iou0 = 2 / (2 + 3 - 2), iou1 = 1 / (2 + 1 - 1); class 2 never occurs and does not count.
    MeanIoU iou(3, {.ignore_class = 255});
    iou.update_state(Tensor({5}, {0, 255, 1, 1, 0}), Tensor({5}, {0, 1, 1, 0, 0}));
    CHECK(iou.result() == near((2.0 / 3 + 1.0 / 2) / 2));
    // OneHotMeanIoU's docstring (num_classes=3): one-hot y_true and scores in y_pred.
    MeanIoU one_hot(3, {.sparse_y_true = false, .sparse_y_pred = false});
    one_hot.update_state(Tensor({4, 3}, {0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0}),
                         Tensor({4, 3}, {0.2f, 0.3f, 0.5f, 0.1f, 0.2f, 0.7f, 0.5f, 0.3f, 0.1f, 0.1f, 0.4f, 0.5f}),
                         Tensor({4}, {0.1f, 0.2f, 0.3f, 0.4f}));
    CHECK(one_hot.result() == near(0.1 / (0.7 + 0.1 - 0.1) / 3));   // docstring: 0.048
}

TEST_CASE("MeanIoU rejects bad arguments and class ids", "[metrics4]") {
    REQUIRE_THROWS_WITH(MeanIoU(0), Catch::Contains("num_classes >= 1"));
    REQUIRE_THROWS_WITH(MeanIoU(2, {.axis = 1}), Catch::Contains("axis=-1"));
    MeanIoU iou(2);
    REQUIRE_THROWS_WITH(iou.update_state(Tensor({2}, {0, 2}), Tensor({2}, {0, 1})),
                        Catch::Contains("MeanIoU 'mean_io_u'") && Catch::Contains("out of range [0, 2)"));
    REQUIRE_THROWS_WITH(iou.update_state(Tensor({2}), Tensor({3})),
                        Catch::Contains("y_true (2,)") && Catch::Contains("y_pred (3,)"));
    REQUIRE_THROWS_WITH(iou.update_state(Tensor({4}), Tensor({4}), Tensor({3})),
                        Catch::Contains("sample_weight of shape (3,)"));
}

TEST_CASE("MeanIoU config has Keras' keys and round-trips through deserialize", "[metrics4]") {
    MeanIoU iou(3, {.name = "miou", .ignore_class = 0, .sparse_y_pred = false});
    CHECK(iou.get_config() == nlohmann::json{{"name", "miou"},
                                             {"dtype", "float32"},
                                             {"num_classes", 3},
                                             {"ignore_class", 0},
                                             {"sparse_y_true", true},
                                             {"sparse_y_pred", false},
                                             {"axis", -1}});
    metrics_test::check_round_trip(iou, [](kx::Metric& m) {
        m.update_state(Tensor({3}, {1, 2, 0}), Tensor({3, 3}, {0.1f, 0.8f, 0.1f, 0.f, 0.4f, 0.6f, 0.3f, 0.3f, 0.4f}));
    });
    CHECK(iou.result() == near(1.0 - 1e-7));   // classes 1 and 2 both right; class 0 ignored
    REQUIRE_THROWS_WITH(kx::metrics::deserialize({{"class_name", "MeanIoU"}, {"config", nlohmann::json::object()}}),
                        Catch::Contains("MeanIoU needs num_classes"));
}
