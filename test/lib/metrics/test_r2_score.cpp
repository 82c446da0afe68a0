// R2Score. Values: the docstring example of keras/src/metrics/regression_metrics.py, and the
// others from a pure-Python transcription of Keras' R2Score (weighted sums per column, Keras'
// element count for the adjusted score). Tolerance: relative 1e-6.

#include "round_trip.hpp"

namespace {

using kx::Tensor;
using kx::metrics::R2Score;

Approx near(double value) { return Approx(value).epsilon(1e-6); }

const Tensor targets({4, 2}, {1, 2, 4, 1, 3, 5, 0, 3});
const Tensor predictions({4, 2}, {2, 2.5f, 4, 0, 4, 4, 1, 3});
const Tensor weights({4}, {1, 2, 0.5f, 1});

}  // namespace

TEST_CASE("R2Score is one minus residual over total variance", "[metrics4]") {
    R2Score r2;
    CHECK(r2.name() == "r2_score");
    r2.update_state(Tensor({3, 1}, {1, 4, 3}), Tensor({3, 1}, {2, 4, 4}));
    CHECK(r2.result() == near(0.57142854));   // docstring
    R2Score flat;   // (B,) is one column
    flat.update_state(Tensor({3}, {1, 4, 3}), Tensor({3}, {2, 4, 4}));
    CHECK(flat.result() == near(0.5714285714285716));
    R2Score two;
    two.update_state(targets, predictions);
    CHECK(two.result() == near(0.7214285714285714));
    R2Score weighted;
    weighted.update_state(targets, predictions, weights);
    CHECK(weighted.result() == near(0.7191446613088404));
    const std::vector<double> columns = weighted.result_per_class();
    CHECK(columns[0] == near(0.8076923076923077));
    CHECK(columns[1] == near(0.630597014925373));
    // Two batches accumulate like one.
    R2Score split;
    split.update_state(Tensor({1, 2}, {1, 2}), Tensor({1, 2}, {2, 2.5f}), Tensor({1}, {1.f}));
    split.update_state(Tensor({3, 2}, {4, 1, 3, 5, 0, 3}), Tensor({3, 2}, {4, 0, 4, 4, 1, 3}), Tensor({3}, {2, 0.5f, 1}));
    CHECK(split.result() == near(0.7191446613088404));
    // A constant target that the predictions miss: Keras turns the infinity into 0.
    R2Score constant;
    constant.update_state(Tensor({2, 1}, {1, 1}), Tensor({2, 1}, {0, 2}));
    CHECK(constant.result() == 0.0);
}

TEST_CASE("R2Score aggregates by variance, adjusts for regressors, or keeps columns", "[metrics4]") {
    R2Score variance({.class_aggregation = "variance_weighted_average"});
    variance.update_state(targets, predictions, weights);
    CHECK(variance.result() == near(0.7432065217391304));
    R2Score adjusted({.num_regressors = 2});
    adjusted.update_state(targets, predictions);
    CHECK(adjusted.result() == near(0.61));   // n = 8 elements: 1 - (1 - 0.72142857) * 7 / 5
    R2Score too_many({.num_regressors = 7});   // p >= n - 1: the plain score, where Keras warns
    too_many.update_state(targets, predictions);
    CHECK(too_many.result() == near(0.7214285714285714));
    R2Score per_column({.class_aggregation = std::nullopt});
    per_column.update_state(targets, predictions, weights);
    REQUIRE_THROWS_WITH(per_column.result(), Catch::Contains("R2Score 'r2_score'") &&
                                                 Catch::Contains("class_aggregation=None") &&
                                                 Catch::Contains("\"uniform_average\""));
    CHECK(per_column.result_per_class()[1] == near(0.630597014925373));
    REQUIRE_THROWS_WITH(R2Score({.class_aggregation = "mean"}), Catch::Contains("class_aggregation=mean"));
    REQUIRE_THROWS_WITH(R2Score({.num_regressors = -1}), Catch::Contains("num_regressors=-1"));
    REQUIRE_THROWS_WITH(per_column.update_state(Tensor({1, 3}), Tensor({1, 3})), Catch::Contains("expected 2 output columns"));
}

TEST_CASE("R2Score config has Keras' keys and round-trips through deserialize", "[metrics4]") {
    R2Score r2({.class_aggregation = "variance_weighted_average", .num_regressors = 1, .name = "r2"});
    CHECK(r2.get_config() == nlohmann::json{{"name", "r2"},
                                            {"dtype", "float32"},
                                            {"class_aggregation", "variance_weighted_average"},
                                            {"num_regressors", 1}});
    metrics_test::check_round_trip(r2, [](kx::Metric& m) { m.update_state(targets, predictions, weights); });
    R2Score none({.class_aggregation = std::nullopt});
    CHECK(kx::metrics::deserialize(kx::metrics::serialize(none))->get_config()["class_aggregation"] == nullptr);
}
