// F1Score and FBetaScore. The per-class values are the docstring examples of
// keras/src/metrics/f_score_metrics.py; the averaged and weighted ones were computed with a
// pure-Python transcription of Keras' FBetaScore (counts, epsilon 1e-7 in each denominator).
// Tolerance: relative 1e-6.

#include "round_trip.hpp"

namespace {

using kx::Tensor;
using kx::metrics::F1Score;
using kx::metrics::FBetaScore;

Approx near(double value) { return Approx(value).epsilon(1e-6); }

const Tensor y_true({3, 3}, {1, 1, 1, 1, 0, 0, 1, 1, 0});
const Tensor y_pred({3, 3}, {0.2f, 0.6f, 0.7f, 0.2f, 0.6f, 0.6f, 0.6f, 0.8f, 0.f});
const Tensor weights({3}, {0.5f, 2.f, 1.f});

}  // namespace

TEST_CASE("FBetaScore and F1Score give Keras' per-class scores", "[metrics4]") {
    FBetaScore f2({.beta = 2.0, .threshold = 0.5});
    f2.update_state(y_true, y_pred);
    const std::vector<double> f2_scores = f2.result_per_class();
    REQUIRE(f2_scores.size() == 3);
    CHECK(f2_scores[0] == near(0.3846154));   // docstring: [0.3846154, 0.90909094, 0.8333334]
    CHECK(f2_scores[1] == near(0.90909094));
    CHECK(f2_scores[2] == near(0.8333334));
    F1Score f1({.threshold = 0.5});
    CHECK(f1.name() == "f1_score");
    f1.update_state(y_true, y_pred);
    const std::vector<double> f1_scores = f1.result_per_class();
    CHECK(f1_scores[0] == near(0.5));   // docstring: [0.5, 0.8, 0.6666667]
    CHECK(f1_scores[1] == near(0.8));
    CHECK(f1_scores[2] == near(0.6666667));
    // average=None and several classes: result() cannot be one number.
    REQUIRE_THROWS_WITH(f1.result(), Catch::Contains("F1Score 'f1_score'") && Catch::Contains("average=None") &&
                                         Catch::Contains("3 here") && Catch::Contains("result_per_class()") &&
                                         Catch::Contains("\"macro\""));
    // One class: that class's score.
    F1Score single({.threshold = 0.5});
    single.update_state(Tensor({3, 1}, {1, 0, 1}), Tensor({3, 1}, {0.9f, 0.7f, 0.2f}));
    CHECK(single.result() == near(0.5));   // precision 1/2, recall 1/2
}

TEST_CASE("F1Score averages micro, macro and by support, with sample weights", "[metrics4]") {
    // No threshold: each row's maximum is the positive prediction.
    F1Score micro({.average = "micro"});
    micro.update_state(y_true, y_pred, weights);
    CHECK(micro.result() == near(0.2727272177686043));
    F1Score macro({.average = "macro"});
    macro.update_state(y_true, y_pred, weights);
    CHECK(macro.result() == near(0.2592592211934175));
    F1Score weighted({.average = "weighted"});
    weighted.update_state(y_true, y_pred, weights);
    CHECK(weighted.result() == near(0.15151512670646036));
    const std::vector<double> per_class = weighted.result_per_class();
    CHECK(per_class[0] == Approx(0.0).margin(1e-12));
    CHECK(per_class[1] == near(0.44444438024691835));
    CHECK(per_class[2] == near(0.3333332833333342));
    FBetaScore half({.average = "macro", .beta = 0.5, .threshold = 0.5});
    half.update_state(y_true, y_pred, weights);
    CHECK(half.result() == near(0.46287753676272));
    // Batches accumulate; a row of zeros predicts nothing (Keras' |y_pred| > 1e-9 rule).
    F1Score split({.average = "micro"});
    split.update_state(Tensor({1, 3}, {1, 1, 1}), Tensor({1, 3}, {0.2f, 0.6f, 0.7f}), Tensor({1}, {0.5f}));
    split.update_state(Tensor({2, 3}, {1, 0, 0, 1, 1, 0}), Tensor({2, 3}, {0.2f, 0.6f, 0.6f, 0.6f, 0.8f, 0.f}),
                       Tensor({2}, {2.f, 1.f}));
    CHECK(split.result() == near(0.2727272177686043));
    F1Score zeros({.average = "micro"});
    zeros.update_state(Tensor({1, 2}, {1, 0}), Tensor({1, 2}, {0.f, 0.f}));
    CHECK(zeros.result() == Approx(0.0).margin(1e-12));
    split.reset_state();
    CHECK(split.result() == Approx(0.0).margin(1e-12));
}

TEST_CASE("FBetaScore rejects bad arguments and inputs", "[metrics4]") {
    REQUIRE_THROWS_WITH(FBetaScore({.average = "mean"}), Catch::Contains("average=mean") && Catch::Contains("'micro'"));
    REQUIRE_THROWS_WITH(FBetaScore({.beta = 0.0}), Catch::Contains("should be > 0"));
    REQUIRE_THROWS_WITH(F1Score({.threshold = 0.0}), Catch::Contains("F1Score") && Catch::Contains("0 < threshold <= 1"));
    F1Score f1({.average = "macro"});
    REQUIRE_THROWS_WITH(f1.update_state(Tensor({3}), Tensor({3})),
                        Catch::Contains("2D inputs") && Catch::Contains("y_true (3,)"));
    f1.update_state(y_true, y_pred);
    REQUIRE_THROWS_WITH(f1.update_state(Tensor({1, 2}), Tensor({1, 2})), Catch::Contains("expected 3 classes"));
    REQUIRE_THROWS_WITH(f1.update_state(y_true, y_pred, Tensor({2})), Catch::Contains("one weight per sample, shape (3,)"));
}

TEST_CASE("F-score configs have Keras' keys and round-trip through deserialize", "[metrics4]") {
    FBetaScore fbeta({.average = "weighted", .beta = 2.0, .threshold = 0.4, .name = "f2"});
    CHECK(fbeta.get_config() == nlohmann::json{{"name", "f2"},
                                               {"dtype", "float32"},
                                               {"average", "weighted"},
                                               {"beta", 2.0},
                                               {"threshold", 0.4}});
    CHECK(F1Score().get_config() ==
          nlohmann::json{{"name", "f1_score"}, {"dtype", "float32"}, {"average", nullptr}, {"threshold", nullptr}});
    const auto feed = [](kx::Metric& m) { m.update_state(y_true, y_pred, weights); };
    metrics_test::check_round_trip(fbeta, feed);
    F1Score f1({.average = "macro"});
    metrics_test::check_round_trip(f1, feed);
    CHECK(f1.result() == near(0.2592592211934175));
}

TEST_CASE("FBetaScore matches Keras' table of weighted scores without a threshold", "[metrics4]") {
    // FBetaScoreTest.test_fbeta_weighted_random_score_none (Keras asserts atol 1e-6 on values
    // printed to 6 digits).
    const Tensor truth({6, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1});
    const Tensor scores({6, 3}, {0.9f, 0.1f, 0.f, 0.2f, 0.6f, 0.2f, 0.f, 0.f, 1.f, 0.4f, 0.3f, 0.3f, 0.f, 0.9f, 0.1f,
                                 0.f, 0.f, 1.f});
    const Tensor halves({6}, {0.5f, 1.f, 1.f, 1.f, 0.5f, 1.f});
    struct Case {
        const char* average;
        double beta;
        bool weighted;
        double expected;
    };
    const Case cases[] = {
        {"micro", 0.5, false, 0.833333},   {"micro", 2.0, true, 0.9},        {"macro", 0.5, false, 0.821549},
        {"macro", 0.5, true, 0.883929},    {"macro", 1.0, true, 0.885714},   {"macro", 2.0, true, 0.899522},
        {"weighted", 0.5, true, 0.917857}, {"weighted", 1.0, false, 0.844444}, {"weighted", 2.0, true, 0.897608},
    };
    for (const Case& c : cases) {
        FBetaScore fbeta({.average = c.average, .beta = c.beta});
        fbeta.update_state(truth, scores, c.weighted ? halves : Tensor());
        INFO(c.average << " beta=" << c.beta << (c.weighted ? " weighted" : ""));
        CHECK(fbeta.result() == Approx(c.expected).margin(1e-6));
    }
    FBetaScore none({.beta = 2.0});
    none.update_state(truth, scores, halves);
    const std::vector<double> per_class = none.result_per_class();   // [0.789474, 0.909091, 1.0]
    CHECK(per_class[0] == Approx(0.789474).margin(1e-6));
    CHECK(per_class[1] == Approx(0.909091).margin(1e-6));
    CHECK(per_class[2] == Approx(1.0).margin(1e-6));
}
