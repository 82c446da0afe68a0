// AUC. Values are Keras' own (keras/src/metrics/confusion_metrics_test.py, AUCTest and
// MultiAUCTest, test names in the comments; Keras asserts them to 1e-3), or computed with a
// pure-Python transcription of Keras' formulas (thresholds, counts, Riemann sums and the Davis &
// Goadrich PR interpolation) on the data below; tolerance 1e-6 for those.

#include "round_trip.hpp"

#include <cmath>

namespace {

using kx::Tensor;
using kx::metrics::AUC;

Approx near(double value) { return Approx(value).epsilon(1e-6); }
Approx keras(double value) { return Approx(value).margin(1e-3); }   // Keras' tests round to 3 digits

// AUCTest.setUp
const Tensor y_true({4}, {0.f, 0.f, 1.f, 1.f});
const Tensor y_pred({4}, {0.f, 0.5f, 0.3f, 0.9f});
const Tensor sample_weight({4}, {1.f, 2.f, 3.f, 4.f});

// Ten predictions that sit on none of the 200 default thresholds.
const Tensor labels10({10}, {0, 1, 0, 1, 1, 0, 1, 0, 1, 1});
const Tensor preds10({10}, {0.1f, 0.8f, 0.35f, 0.45f, 0.9f, 0.7f, 0.55f, 0.2f, 0.3f, 0.62f});
const Tensor weights10({10}, {1, 2, 1, 0.5f, 1, 3, 1, 1, 2, 1});

}  // namespace

TEST_CASE("AUC integrates the ROC curve with the trapezoid rule by default", "[metrics4]") {
    AUC docs({.num_thresholds = 3});
    docs.update_state(y_true, y_pred);
    CHECK(docs.result() == near(0.75));   // docstring and AUCTest.test_unweighted
    docs.reset_state();
    docs.update_state(y_true, y_pred, Tensor({4}, {1.f, 0.f, 0.f, 1.f}));
    CHECK(docs.result() == near(1.0));   // docstring
    docs.reset_state();
    docs.update_state(y_true, y_pred, sample_weight);
    CHECK(docs.result() == keras(0.7855));   // AUCTest.test_weighted_roc_interpolation
    AUC all_correct;
    all_correct.update_state(y_true, y_true);
    CHECK(all_correct.result() == near(1.0));   // AUCTest.test_unweighted_all_correct
    // 200 thresholds: the exact ROC AUC of these predictions, 19/24 (no prediction sits on a threshold).
    AUC fine;
    CHECK(fine.name() == "auc");
    fine.update_state(labels10, preds10);
    CHECK(fine.result() == near(0.7916666666666667));
    fine.reset_state();
    fine.update_state(labels10, preds10, weights10);
    CHECK(fine.result() == near(0.6555555555555556));
    // Two batches accumulate like one.
    AUC split;
    split.update_state(Tensor({4}, {0, 1, 0, 1}), Tensor({4}, {0.1f, 0.8f, 0.35f, 0.45f}), Tensor({4}, {1, 2, 1, 0.5f}));
    split.update_state(Tensor({6}, {1, 0, 1, 0, 1, 1}), Tensor({6}, {0.9f, 0.7f, 0.55f, 0.2f, 0.3f, 0.62f}),
                       Tensor({6}, {1, 3, 1, 1, 2, 1}));
    CHECK(split.result() == near(0.6555555555555556));
}

TEST_CASE("AUC minoring and majoring bound the area from below and above", "[metrics4]") {
    AUC roc_major({.num_thresholds = 3, .summation_method = "majoring"});
    roc_major.update_state(y_true, y_pred, sample_weight);
    CHECK(roc_major.result() == keras(1.0));   // AUCTest.test_weighted_roc_majoring
    AUC roc_minor({.num_thresholds = 3, .summation_method = "minoring"});
    roc_minor.update_state(y_true, y_pred, sample_weight);
    CHECK(roc_minor.result() == keras(0.571));   // AUCTest.test_weighted_roc_minoring
    AUC pr_major({.num_thresholds = 3, .curve = "PR", .summation_method = "majoring"});
    pr_major.update_state(y_true, y_pred, sample_weight);
    CHECK(pr_major.result() == keras(1 * 0.429 + 1 * 0.571));   // AUCTest.test_weighted_pr_majoring
    AUC pr_minor({.num_thresholds = 3, .curve = "PR", .summation_method = "minoring"});
    pr_minor.update_state(y_true, y_pred, sample_weight);
    CHECK(pr_minor.result() == keras(0.7 * 0.429));   // AUCTest.test_weighted_pr_minoring
    AUC pr_minor_fine({.curve = "pr", .summation_method = "Minoring"});   // Keras' other spellings
    pr_minor_fine.update_state(labels10, preds10);
    CHECK(pr_minor_fine.result() == near(0.6551587301587302));
    CHECK(pr_minor_fine.get_config()["curve"] == "PR");
    CHECK(pr_minor_fine.get_config()["summation_method"] == "minoring");
}

TEST_CASE("AUC of the PR curve interpolates counts as Davis and Goadrich", "[metrics4]") {
    AUC pr({.num_thresholds = 3, .curve = "PR"});
    pr.update_state(y_true, y_pred, sample_weight);
    // AUCTest.test_weighted_pr_interpolation: 2.416 / 7 + 4 / 7, here with the exact log.
    CHECK(pr.result() == near((0.5 * (3 + 2 * std::log(2.5))) / 7 + 4.0 / 7));
    AUC negative({.num_thresholds = 3, .curve = "PR"});
    negative.update_state(y_true, y_pred, Tensor({4}, {-1.f, -2.f, -3.f, -4.f}));
    CHECK(negative.result() == 0.0);   // AUCTest.test_weighted_pr_interpolation_negative_weights
    AUC fine({.curve = "PR"});
    fine.update_state(labels10, preds10);
    CHECK(fine.result() == near(0.8399650056985016));
    fine.reset_state();
    fine.update_state(labels10, preds10, weights10);
    CHECK(fine.result() == near(0.7587811960192687));
}

TEST_CASE("AUC takes explicit thresholds, logits, and clips predictions on even thresholds", "[metrics4]") {
    AUC manual({.num_thresholds = 2, .thresholds = {0.5}});   // AUCTest.test_manual_thresholds
    CHECK(manual.get_config()["num_thresholds"] == 3);
    REQUIRE(manual.thresholds().size() == 3);
    CHECK(manual.thresholds()[0] == Approx(-1e-7).margin(1e-12));
    CHECK(manual.thresholds()[1] == 0.5);
    CHECK(manual.thresholds()[2] == Approx(1 + 1e-7).epsilon(1e-12));
    manual.update_state(y_true, y_pred);
    CHECK(manual.result() == near(0.75));
    // Uneven thresholds, given unsorted: compared directly.
    AUC uneven({.thresholds = {0.6, 0.25, 0.4}});
    CHECK(uneven.get_config()["thresholds"] == nlohmann::json({0.25, 0.4, 0.6}));
    uneven.update_state(labels10, preds10);
    CHECK(uneven.result() == near(0.7916666666666667));
    AUC uneven_pr({.curve = "PR", .thresholds = {0.6, 0.25, 0.4}});
    uneven_pr.update_state(labels10, preds10);
    CHECK(uneven_pr.result() == near(0.7720361607239361));
    // AUCTest.test_unweighted_from_logits: logit(p) through a sigmoid gives p back.
    std::vector<float> logits;
    for (float p : y_pred.to_vector()) logits.push_back(-std::log(1.0f / (p + 1e-12f) - 1.0f));
    AUC from_logits({.num_thresholds = 3, .from_logits = true});
    from_logits.update_state(y_true, Tensor({4}, logits));
    CHECK(from_logits.result() == keras(0.75));
    // Even thresholds clip to [0, 1]: 1.7 counts as 1 (below 1 + 1e-7), -3 as 0 (above -1e-7).
    AUC clipped({.num_thresholds = 3});
    clipped.update_state(y_true, Tensor({4}, {-3.f, 0.5f, 0.3f, 1.7f}));
    CHECK(clipped.result() == near(0.75));
}

TEST_CASE("AUC with multi_label averages one AUC per label", "[metrics4]") {
    // MultiAUCTest.setUp: two labels of four samples.
    const Tensor preds({4, 2}, {0.f, 0.1f, 0.5f, 0.2f, 0.3f, 0.3f, 0.9f, 0.4f});
    const Tensor good({4, 2}, {0, 0, 0, 0, 1, 1, 1, 1});
    AUC multi({.num_thresholds = 5, .multi_label = true});
    multi.update_state(good, preds);
    CHECK(multi.result() == keras((0.875 + 1.0) / 2.0));   // MultiAUCTest.test_unweighted
    AUC weighted_labels({.num_thresholds = 5, .multi_label = true, .label_weights = {0.75, 0.25}});
    weighted_labels.update_state(good, preds);
    CHECK(weighted_labels.result() == keras((0.875 * 0.75 + 1.0 * 0.25) / (0.75 + 0.25)));   // test_label_weights
    AUC flat({.num_thresholds = 5});
    flat.update_state(good, preds);
    CHECK(flat.result() == keras(1.0 - 3.0 / 32.0));   // MultiAUCTest.test_unweighted_flat
    flat.reset_state();
    flat.update_state(good, preds, Tensor({4}, {1, 2, 3, 4}));
    CHECK(flat.result() == keras(1.0 - (0.3333 * (1.0 - 0.2857) / 2.0)));   // test_sample_weight_flat
    flat.reset_state();
    flat.update_state(good, preds, Tensor({4, 2}, {0, 1, 2, 3, 4, 5, 6, 7}));
    CHECK(flat.result() == keras(1.0 - (0.3333 * (1.0 - 0.2727) / 2.0)));   // test_full_sample_weight_flat
    AUC flat_label_weights({.num_thresholds = 5, .label_weights = {0.75, 0.25}});
    flat_label_weights.update_state(good, preds);
    CHECK(flat_label_weights.result() == Approx(1.0 - ((1.0 - 0.375) * 0.375 / 2.0)).margin(1e-2));   // test_label_weights_flat
    AUC all_correct({.multi_label = true});
    all_correct.update_state(good, good);
    CHECK(all_correct.result() == near(1.0));   // MultiAUCTest.test_unweighted_all_correct

    AUC fixed({.multi_label = true, .num_labels = 3});
    REQUIRE_THROWS_WITH(fixed.update_state(good, preds),
                        Catch::Contains("AUC 'auc'") && Catch::Contains("expected 3 labels") && Catch::Contains("(4, 2)"));
    REQUIRE_THROWS_WITH(multi.update_state(Tensor({4}), Tensor({4})), Catch::Contains("rank 2"));
}

TEST_CASE("AUC rejects bad arguments as Keras does", "[metrics4]") {
    REQUIRE_THROWS_WITH(AUC({.num_thresholds = 1}), Catch::Contains("num_thresholds must be an integer > 1") &&
                                                        Catch::Contains("num_thresholds=1"));
    REQUIRE_THROWS_WITH(AUC({.curve = "Invalid"}), Catch::Contains("\"Invalid\"") && Catch::Contains("\"ROC\", \"PR\""));
    REQUIRE_THROWS_WITH(AUC({.summation_method = "Invalid"}),
                        Catch::Contains("summation_method \"Invalid\"") && Catch::Contains("\"majoring\""));
    REQUIRE_THROWS_WITH(AUC({.num_labels = 2}), Catch::Contains("only when multi_label is true"));
    AUC label_weights({.label_weights = {1.0, 2.0, 3.0}});
    REQUIRE_THROWS_WITH(label_weights.update_state(Tensor({2, 2}), Tensor({2, 2})),
                        Catch::Contains("label_weights has 3 entries") && Catch::Contains("2 labels"));
}

TEST_CASE("AUC config has Keras' keys and round-trips through deserialize", "[metrics4]") {
    AUC auc({.num_thresholds = 100, .curve = "PR", .summation_method = "majoring", .name = "auc_1",
             .multi_label = true, .num_labels = 2, .from_logits = true});
    // AUCTest.test_config: no "thresholds" key unless thresholds were given.
    CHECK(auc.get_config() == nlohmann::json{{"name", "auc_1"},
                                             {"dtype", "float32"},
                                             {"num_thresholds", 100},
                                             {"curve", "PR"},
                                             {"summation_method", "majoring"},
                                             {"multi_label", true},
                                             {"num_labels", 2},
                                             {"label_weights", nullptr},
                                             {"from_logits", true}});
    const auto feed_multi = [](kx::Metric& m) {
        m.update_state(Tensor({4, 2}, {0, 0, 1, 1, 1, 1, 1, 0}), Tensor({4, 2}, {0.f, 0.4f, 0.5f, 0.7f, 0.3f, 0.2f, 0.9f, 0.3f}));
    };
    metrics_test::check_round_trip(auc, feed_multi);
    // AUCTest.test_config_manual_thresholds
    AUC manual({.curve = "PR", .summation_method = "majoring", .name = "auc_1", .thresholds = {0.3, 0.5}});
    CHECK(manual.get_config()["num_thresholds"] == 4);
    CHECK(manual.get_config()["thresholds"] == nlohmann::json({0.3, 0.5}));
    const auto feed = [](kx::Metric& m) { m.update_state(labels10, preds10, weights10); };
    metrics_test::check_round_trip(manual, feed);
    AUC plain({.label_weights = {2.0}});
    metrics_test::check_round_trip(plain, feed);
}
