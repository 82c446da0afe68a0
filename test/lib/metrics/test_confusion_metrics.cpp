// Precision and Recall. Values are Keras' own (keras/src/metrics/confusion_metrics_test.py, test
// names in the comments) or the docstring examples of keras/src/metrics/confusion_metrics.py.
// Tolerance: relative 1e-6 (counts accumulate in double).

#include "round_trip.hpp"

namespace {

using kx::Tensor;
using kx::metrics::Precision;
using kx::metrics::Recall;

Approx near(double value) { return Approx(value).epsilon(1e-6); }

}  // namespace

TEST_CASE("Precision counts predictions above 0.5 as positive, weighted by sample_weight", "[metrics4]") {
    Precision precision;
    CHECK(precision.name() == "precision");
    precision.update_state(Tensor({4}, {0.f, 1.f, 1.f, 1.f}), Tensor({4}, {1.f, 0.f, 1.f, 1.f}));
    CHECK(precision.result() == near(2.0 / 3));   // docstring: 0.6666667
    precision.reset_state();
    precision.update_state(Tensor({4}, {0.f, 1.f, 1.f, 1.f}), Tensor({4}, {1.f, 0.f, 1.f, 1.f}),
                           Tensor({4}, {0.f, 0.f, 1.f, 0.f}));
    CHECK(precision.result() == near(1.0));   // docstring
    // PrecisionTest.test_weighted: per-element weights (B, C).
    Precision weighted;
    weighted.update_state(Tensor({2, 4}, {0, 1, 1, 0, 1, 0, 0, 1}), Tensor({2, 4}, {1, 0, 1, 0, 1, 0, 1, 0}),
                          Tensor({2, 4}, {1, 2, 3, 4, 4, 3, 2, 1}));
    CHECK(weighted.result() == near((3.0 + 4.0) / ((1.0 + 3.0) + (4.0 + 2.0))));
    // PrecisionTest.test_div_by_zero: nothing predicted positive gives 0, not NaN.
    Precision none;
    none.update_state(Tensor({4}), Tensor({4}));
    CHECK(none.result() == 0.0);
    // (B, 1) predictions against (B,) labels, and one weight per sample.
    Precision per_sample;
    per_sample.update_state(Tensor({3}, {1.f, 0.f, 1.f}), Tensor({3, 1}, {0.9f, 0.8f, 0.7f}), Tensor({3}, {1.f, 2.f, 3.f}));
    CHECK(per_sample.result() == near(4.0 / 6.0));
}

TEST_CASE("Precision with a threshold, top_k and class_id follows Keras' tests", "[metrics4]") {
    // PrecisionTest.test_weighted_with_threshold, threshold 0.5 (Keras' list [0.5, 1.0], first value)
    Precision threshold({.thresholds = 0.5});
    const Tensor y_true({2, 2}, {0.f, 1.f, 1.f, 0.f});
    const Tensor y_pred({2, 2}, {1.f, 0.f, 0.6f, 0.f});
    const Tensor weights({2, 2}, {4.f, 0.f, 3.f, 1.f});
    threshold.update_state(y_true, y_pred, weights);
    CHECK(threshold.result() == near(3.0 / 7.0));
    threshold.update_state(y_true, y_pred, weights);   // test_multiple_updates
    CHECK(threshold.result() == near(6.0 / 14.0));
    Precision at_one({.thresholds = 1.0});   // the list's second value: 1 is not > 1
    at_one.update_state(y_true, y_pred, weights);
    CHECK(at_one.result() == 0.0);
    // PrecisionTest.test_unweighted_top_k
    Precision top3({.top_k = 3});
    top3.update_state(Tensor({5}, {0, 1, 1, 0, 0}), Tensor({5}, {0.2f, 0.1f, 0.5f, 0.f, 0.2f}));
    CHECK(top3.result() == near(1.0 / 3));
    // PrecisionTest.test_weighted_top_k: ties at the k-th value go to the lower index.
    Precision top3_weighted({.top_k = 3});
    top3_weighted.update_state(Tensor({1, 5}, {0, 1, 1, 0, 1}), Tensor({1, 5}, {0.2f, 0.1f, 0.4f, 0.f, 0.2f}),
                               Tensor({1, 5}, {1, 4, 2, 3, 5}));
    top3_weighted.update_state(Tensor({5}, {1, 0, 1, 1, 1}), Tensor({5}, {0.2f, 0.6f, 0.4f, 0.2f, 0.2f}),
                               Tensor::scalar(3.f));
    CHECK(top3_weighted.result() == near(((2.0 + 5) + (3 + 3)) / ((1.0 + 2 + 5) + (3 + 3 + 3))));
    // Docstring: top_k=2 of four equal predictions keeps the first two.
    Precision top2({.top_k = 2});
    top2.update_state(Tensor({4}, {0, 0, 1, 1}), Tensor({4}, {1, 1, 1, 1}));
    CHECK(top2.result() == 0.0);
    // PrecisionTest.test_unweighted_class_id_multiclass
    const Tensor probs({5, 3}, {0.1f, 0.2f, 0.7f, 0.5f, 0.3f, 0.2f, 0.2f, 0.6f, 0.2f, 0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f});
    const Tensor one_hot({5, 3}, {0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1});
    Precision class1({.class_id = 1});
    class1.update_state(one_hot, probs);
    CHECK(class1.result() == near(1.0));
    CHECK(class1.counts().true_positives == near(1.0));
    CHECK(class1.counts().false_positives == 0.0);
    // Class 0 with per-sample weights: only row 3 (0.7, label 1) is above 0.5; 0.5 itself is not.
    Precision class0({.class_id = 0});
    class0.update_state(one_hot, probs, Tensor({5}, {1, 2, 3, 4, 5}));
    CHECK(class0.result() == near(1.0));
    Precision class2({.class_id = 2, .name = "p2"});   // rows 0, 4 predicted (labels 1, 1), row 2 not
    class2.update_state(one_hot, probs);
    CHECK(class2.result() == near(1.0));
    // PrecisionTest.test_unweighted_top_k_and_threshold
    Precision both({.thresholds = 0.7, .top_k = 2});
    both.update_state(Tensor({5}, {0, 1, 1, 0, 1}), Tensor({5}, {0.2f, 0.8f, 0.6f, 0.f, 0.2f}));
    CHECK(both.result() == near(1.0));
    CHECK(both.counts().true_positives == near(1.0));
    CHECK(both.counts().false_positives == 0.0);
}

TEST_CASE("Recall counts labels found above the threshold", "[metrics4]") {
    Recall recall;
    CHECK(recall.name() == "recall");
    recall.update_state(Tensor({4}, {0.f, 1.f, 1.f, 1.f}), Tensor({4}, {1.f, 0.f, 1.f, 1.f}));
    CHECK(recall.result() == near(2.0 / 3));   // docstring: 0.6666667
    recall.reset_state();
    recall.update_state(Tensor({4}, {0.f, 1.f, 1.f, 1.f}), Tensor({4}, {1.f, 0.f, 1.f, 1.f}),
                        Tensor({4}, {0.f, 0.f, 1.f, 0.f}));
    CHECK(recall.result() == near(1.0));   // docstring
    // RecallTest.test_weighted
    Recall weighted;
    weighted.update_state(Tensor({2, 4}, {0, 1, 1, 0, 1, 0, 0, 1}), Tensor({2, 4}, {1, 0, 1, 0, 0, 1, 0, 1}),
                          Tensor({2, 4}, {1, 2, 3, 4, 4, 3, 2, 1}));
    CHECK(weighted.result() == near((3.0 + 1.0) / ((2.0 + 3.0) + (4.0 + 1.0))));
    // RecallTest.test_weighted_with_threshold, threshold 0.5
    Recall threshold({.thresholds = 0.5});
    threshold.update_state(Tensor({2, 2}, {0, 1, 1, 0}), Tensor({2, 2}, {1.f, 0.f, 0.6f, 0.f}),
                           Tensor({2, 2}, {1, 4, 3, 2}));
    CHECK(threshold.result() == near(3.0 / 7.0));
    // RecallTest.test_unweighted_top_k and test_weighted_top_k
    Recall top3({.top_k = 3});
    top3.update_state(Tensor({5}, {0, 1, 1, 0, 0}), Tensor({5}, {0.2f, 0.1f, 0.5f, 0.f, 0.2f}));
    CHECK(top3.result() == near(0.5));
    Recall top3_weighted({.top_k = 3});
    top3_weighted.update_state(Tensor({1, 5}, {0, 1, 1, 0, 1}), Tensor({1, 5}, {0.2f, 0.1f, 0.4f, 0.f, 0.2f}),
                               Tensor({1, 5}, {1, 4, 2, 3, 5}));
    top3_weighted.update_state(Tensor({5}, {1, 0, 1, 1, 1}), Tensor({5}, {0.2f, 0.6f, 0.4f, 0.2f, 0.2f}),
                               Tensor::scalar(3.f));
    CHECK(top3_weighted.result() == near(((2.0 + 5) + (3 + 3)) / ((4.0 + 2 + 5) + (3 + 3 + 3 + 3))));
    // RecallTest.test_unweighted_class_id_multiclass
    Recall class1({.class_id = 1});
    class1.update_state(Tensor({5, 3}, {0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1}),
                        Tensor({5, 3}, {0.1f, 0.2f, 0.7f, 0.5f, 0.3f, 0.2f, 0.2f, 0.6f, 0.2f, 0.7f, 0.2f, 0.1f, 0.1f,
                                        0.1f, 0.8f}));
    CHECK(class1.result() == near(1.0));
    CHECK(class1.counts().false_negatives == 0.0);
    // RecallTest.test_unweighted_top_k_and_threshold
    Recall both({.thresholds = 0.7, .top_k = 2});
    both.update_state(Tensor({5}, {1, 1, 1, 0, 1}), Tensor({5}, {0.2f, 0.8f, 0.6f, 0.f, 0.2f}));
    CHECK(both.result() == near(0.25));
    CHECK(both.counts().true_positives == near(1.0));
    CHECK(both.counts().false_negatives == near(3.0));
    // RecallTest.test_div_by_zero
    Recall none;
    none.update_state(Tensor({4}), Tensor({4}));
    CHECK(none.result() == 0.0);
}

TEST_CASE("Precision and Recall reject bad arguments and inputs with Keras-quality messages", "[metrics4]") {
    REQUIRE_THROWS_WITH(Precision({.thresholds = 1.5}),
                        Catch::Contains("Precision") && Catch::Contains("[0, 1]") && Catch::Contains("1.5"));
    REQUIRE_THROWS_WITH(Recall({.top_k = 0}), Catch::Contains("Recall") && Catch::Contains("top_k >= 1"));
    // RecallTest.test_unweighted_class_id_should_throw_error_1d
    Recall class2({.class_id = 2});
    REQUIRE_THROWS_WITH(class2.update_state(Tensor({5}, {0, 1, 1, 0, 0}), Tensor({5}, {0.2f, 0.1f, 0.6f, 0.f, 0.2f})),
                        Catch::Contains("Recall 'recall'") && Catch::Contains("class_id") &&
                            Catch::Contains("(batch, num_classes)") && Catch::Contains("(5,)"));
    Precision class5({.class_id = 5});
    REQUIRE_THROWS_WITH(class5.update_state(Tensor({2, 3}), Tensor({2, 3})),
                        Catch::Contains("class_id=5") && Catch::Contains("3 classes"));
    Precision precision;
    REQUIRE_THROWS_WITH(precision.update_state(Tensor({2, 3}), Tensor({2, 2})),
                        Catch::Contains("Precision 'precision'") && Catch::Contains("y_true (2, 3)") &&
                            Catch::Contains("y_pred (2, 2)"));
    REQUIRE_THROWS_WITH(precision.update_state(Tensor({2, 3}), Tensor({2, 3}), Tensor({3})),
                        Catch::Contains("sample_weight of shape (3,)") && Catch::Contains("(2, 3)"));
}

TEST_CASE("Precision and Recall configs have Keras' keys and round-trip through deserialize", "[metrics4]") {
    Precision precision({.thresholds = 0.4, .top_k = 2, .class_id = 1, .name = "my_precision"});
    CHECK(precision.get_config() == nlohmann::json{{"name", "my_precision"},
                                                   {"dtype", "float32"},
                                                   {"thresholds", 0.4},
                                                   {"top_k", 2},
                                                   {"class_id", 1}});
    CHECK(Recall().get_config() == nlohmann::json{{"name", "recall"},
                                                  {"dtype", "float32"},
                                                  {"thresholds", nullptr},
                                                  {"top_k", nullptr},
                                                  {"class_id", nullptr}});
    const auto feed = [](kx::Metric& m) {
        m.update_state(Tensor({2, 3}, {0, 1, 1, 1, 0, 1}), Tensor({2, 3}, {0.3f, 0.6f, 0.45f, 0.2f, 0.9f, 0.5f}),
                       Tensor({2}, {1.f, 2.f}));
        m.update_state(Tensor({1, 3}, {0, 1, 0}), Tensor({1, 3}, {0.1f, 0.8f, 0.7f}));
    };
    metrics_test::check_round_trip(precision, feed);
    Recall recall({.thresholds = 0.3, .name = "r"});
    metrics_test::check_round_trip(recall, feed);
    // Same data by hand for the recall at 0.3: labels (w): 1(1) 1(1) 1(2) 1(2) 1(1); found above 0.3:
    // 0.6, 0.45, 0.5, 0.8 (not 0.2 in row 1) -> (1 + 1 + 2 + 1) / 7.
    CHECK(recall.result() == near(5.0 / 7.0));
    // Keras writes thresholds as a list; one value is accepted, more are not.
    auto from_list = kx::metrics::deserialize({{"class_name", "Precision"}, {"config", {{"thresholds", {0.7}}}}});
    CHECK(from_list->get_config()["thresholds"] == 0.7);
    REQUIRE_THROWS_WITH(
        kx::metrics::deserialize({{"class_name", "Recall"}, {"config", {{"thresholds", {0.4, 0.9}}}}}),
        Catch::Contains("Recall") && Catch::Contains("[0.4,0.9]") && Catch::Contains("one threshold"));
}
