// metrics::serialize / deserialize for every kerasxx metric, the identifiers Metric::get learned
// for the new metrics, and compile({.metrics = {"precision", ...}}).

#include "round_trip.hpp"

namespace {

using kx::Tensor;

Approx near(double value) { return Approx(value).epsilon(1e-6); }

// Binary labels and probabilities, (4, 2), for metrics of any family.
void feed_binary(kx::Metric& m) {
    m.update_state(Tensor({4, 2}, {0, 1, 1, 0, 1, 1, 0, 0}), Tensor({4, 2}, {0.2f, 0.7f, 0.6f, 0.4f, 0.9f, 0.3f, 0.1f, 0.8f}),
                   Tensor({4}, {1.f, 2.f, 0.5f, 1.f}));
}

// Class ids (4,) against scores (4, 3).
void feed_sparse(kx::Metric& m) {
    m.update_state(Tensor({4}, {0, 2, 1, 1}),
                   Tensor({4, 3}, {0.5f, 0.3f, 0.2f, 0.1f, 0.6f, 0.3f, 0.2f, 0.5f, 0.3f, 0.4f, 0.1f, 0.5f}),
                   Tensor({4}, {1.f, 2.f, 0.5f, 1.f}));
}

}  // namespace

TEST_CASE("Every kerasxx metric round-trips through serialize and deserialize", "[metrics4]") {
    using namespace kx::metrics;
    Mean mean({.name = "m"});
    const nlohmann::json mean_config = serialize(mean);
    CHECK(mean_config == nlohmann::json{{"module", "keras.metrics"},
                                        {"class_name", "Mean"},
                                        {"config", {{"name", "m"}, {"dtype", "float32"}}},
                                        {"registered_name", nullptr}});
    CHECK(deserialize(mean_config)->get_config() == mean.get_config());

    Accuracy accuracy({.name = "acc"});
    metrics_test::check_round_trip(accuracy, feed_binary);
    BinaryAccuracy binary({.name = "bin", .threshold = 0.75f});
    metrics_test::check_round_trip(binary, feed_binary);
    CategoricalAccuracy categorical;
    metrics_test::check_round_trip(categorical, feed_binary);
    SparseCategoricalAccuracy sparse;
    metrics_test::check_round_trip(sparse, feed_sparse);
    TopKCategoricalAccuracy top_k({.k = 1});
    metrics_test::check_round_trip(top_k, feed_binary);
    SparseTopKCategoricalAccuracy sparse_top_k({.k = 2, .name = "top2"});
    metrics_test::check_round_trip(sparse_top_k, feed_sparse);
    CHECK(sparse_top_k.result() == near((1 + 2 + 0.5) / 4.5));   // the last sample's class 1 is third
    MeanSquaredError mse;
    metrics_test::check_round_trip(mse, feed_binary);
    MeanAbsoluteError mae({.name = "mae"});
    metrics_test::check_round_trip(mae, feed_binary);
    RootMeanSquaredError rmse;
    metrics_test::check_round_trip(rmse, feed_binary);
    Precision precision({.thresholds = 0.65});
    metrics_test::check_round_trip(precision, feed_binary);
    Recall recall({.top_k = 1});
    metrics_test::check_round_trip(recall, feed_binary);
    AUC auc({.num_thresholds = 50, .curve = "PR"});
    metrics_test::check_round_trip(auc, feed_binary);
    F1Score f1({.average = "micro", .threshold = 0.5});
    metrics_test::check_round_trip(f1, feed_binary);
    FBetaScore fbeta({.average = "macro", .beta = 0.5});
    metrics_test::check_round_trip(fbeta, feed_binary);
    MeanIoU iou(3, {.sparse_y_pred = false});
    metrics_test::check_round_trip(iou, feed_sparse);
    R2Score r2;
    metrics_test::check_round_trip(r2, feed_binary);
}

TEST_CASE("deserialize reads Keras' configs, fills defaults, and rejects what it cannot build", "[metrics4]") {
    using kx::metrics::deserialize;
    // As Keras 3 writes AUC() (dtype may be a string or a policy; kerasxx reports doubles).
    const auto auc = deserialize(nlohmann::json::parse(R"({"module": "keras.metrics", "class_name": "AUC",
        "config": {"name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC",
                   "summation_method": "interpolation", "multi_label": false, "num_labels": null,
                   "label_weights": null, "from_logits": false}, "registered_name": null})"));
    CHECK(auc->class_name() == "AUC");
    CHECK(auc->get_config() == kx::metrics::AUC().get_config());
    // Missing keys take Keras' defaults.
    const auto top_k = deserialize({{"class_name", "SparseTopKCategoricalAccuracy"}, {"config", {{"k", 3}}}});
    CHECK(top_k->get_config() == nlohmann::json{{"name", "sparse_top_k_categorical_accuracy"},
                                                {"dtype", "float32"},
                                                {"k", 3},
                                                {"from_sorted_ids", false}});
    CHECK(deserialize({{"class_name", "Precision"}})->name() == "precision");
    CHECK(deserialize("auc")->class_name() == "AUC");   // a string is an identifier
    REQUIRE_THROWS_WITH(deserialize({{"class_name", "Hinge"}, {"config", nlohmann::json::object()}}),
                        Catch::Contains("unknown metric class 'Hinge'") && Catch::Contains("MeanIoU") &&
                            Catch::Contains("R2Score"));
    REQUIRE_THROWS_WITH(deserialize({{"class_name", "AUC"}, {"config", {{"num_treshold", 10}}}}),
                        Catch::Contains("unknown config key 'num_treshold' for AUC") &&
                            Catch::Contains("num_thresholds"));
    REQUIRE_THROWS_WITH(deserialize({{"class_name", "TopKCategoricalAccuracy"}, {"config", {{"k", "five"}}}}),
                        Catch::Contains("'k' has the wrong type") && Catch::Contains("\"five\""));
    REQUIRE_THROWS_WITH(deserialize({{"class_name", "AUC"}, {"config", {{"thresholds", {0.5, "x"}}}}}),
                        Catch::Contains("AUC"));
    REQUIRE_THROWS_WITH(deserialize(nlohmann::json::array()), Catch::Contains("expected a metric identifier"));
}

TEST_CASE("Metric::get knows Keras' identifiers for the new metrics", "[metrics4]") {
    const auto made = [](const std::string& id) {
        const auto metric = kx::Metric::get(id);
        return metric->class_name() + " " + metric->name();
    };
    CHECK(made("precision") == "Precision precision");
    CHECK(made("Precision") == "Precision Precision");
    CHECK(made("recall") == "Recall recall");
    CHECK(made("auc") == "AUC auc");
    CHECK(made("AUC") == "AUC AUC");
    CHECK(made("f1_score") == "F1Score f1_score");
    CHECK(made("f_beta_score") == "FBetaScore f_beta_score");
    CHECK(made("r2_score") == "R2Score r2_score");
    CHECK(made("R2Score") == "R2Score R2Score");
    CHECK(made("top_k_categorical_accuracy") == "TopKCategoricalAccuracy top_k_categorical_accuracy");
    CHECK(made("sparse_top_k_categorical_accuracy") ==
          "SparseTopKCategoricalAccuracy sparse_top_k_categorical_accuracy");
    REQUIRE_THROWS_WITH(kx::Metric::get("mean_io_u"), Catch::Contains("'mean_io_u'") && Catch::Contains("auc"));
}

TEST_CASE("compile takes \"precision\", \"recall\" and \"auc\" and logs them by those names", "[metrics4][model]") {
    // One input x, a sigmoid unit with kernel 1 and bias 0: the prediction is sigmoid(x).
    kx::Sequential model({kx::layers::Input({1}),
                          kx::layers::Dense(1, {.activation = "sigmoid", .kernel_initializer = "ones"})});
    model.compile({.optimizer = "sgd", .loss = "binary_crossentropy", .metrics = {"precision", "recall", "auc"}});
    const Tensor x({6, 1}, {-2.f, 1.f, 0.5f, -0.5f, 2.f, -1.f});
    const Tensor y({6, 1}, {0.f, 1.f, 0.f, 1.f, 1.f, 0.f});
    const kx::Logs logs = model.evaluate(x, y, {.batch_size = 4, .verbose = 0});
    // Predicted positive (x > 0): samples 1, 2, 4 -> two of them labelled 1; three labels in all.
    CHECK(logs.at("precision") == near(2.0 / 3));
    CHECK(logs.at("recall") == near(2.0 / 3));
    // ROC AUC: labels 1 at x = 1, -0.5, 2 and 0 at -2, 0.5, -1: 8 of 9 pairs ordered right (all
    // six sigmoids fall in different buckets of the 200 thresholds, so the area is exact).
    CHECK(logs.at("auc") == near(8.0 / 9));
}
