// Expected values are hand-computed; several are the examples of the Keras 3 metric docs.
// Metrics accumulate in double: tolerance relative 1e-6 unless stated.

#include <nlohmann/json.hpp>

namespace {

using kx::Tensor;

Approx near(double value) { return Approx(value).epsilon(1e-6); }

}  // namespace

TEST_CASE("Mean is the weighted mean of the values it was given since reset_state", "[metrics]") {
    kx::metrics::Mean mean;
    CHECK(mean.name() == "mean");
    CHECK(mean.result() == 0.0);   // nothing seen yet: 0, like Keras
    mean.update(1.0);
    mean.update(4.0, 2.0);
    CHECK(mean.result() == near(3.0));   // (1 + 2 * 4) / 3
    // Keras' Mean.update_state(values, sample_weight): per-sample means 1.5 and 3.5, weights 1 and 3
    mean.reset_state();
    mean.update(Tensor({2, 2}, {1.f, 2.f, 3.f, 4.f}), Tensor({2}, {1.f, 3.f}));
    CHECK(mean.result() == near((1.5 + 3 * 3.5) / 4));
    mean.update(Tensor::scalar(10.f));
    CHECK(mean.result() == near((1.5 + 3 * 3.5 + 10) / 5));
    REQUIRE_THROWS_WITH(mean.update_state(Tensor({1}), Tensor({1})),
                        Catch::Contains("Mean 'mean'") && Catch::Contains("update("));
}

TEST_CASE("Accuracy counts exact matches over several batches", "[metrics]") {
    kx::metrics::Accuracy accuracy;
    accuracy.update_state(Tensor({4}, {1.f, 2.f, 3.f, 4.f}), Tensor({4}, {1.f, 2.f, 0.f, 4.f}));
    CHECK(accuracy.result() == near(0.75));
    accuracy.update_state(Tensor({2, 1}, {1.f, 0.f}), Tensor({2}, {1.f, 1.f}));   // (B, 1) against (B,)
    CHECK(accuracy.result() == near(4.0 / 6));
    accuracy.reset_state();
    CHECK(accuracy.result() == 0.0);
    // Keras docs: sample_weight (1, 1, 0, 0) -> 0.5
    accuracy.update_state(Tensor({4, 1}, {1.f, 2.f, 3.f, 4.f}), Tensor({4, 1}, {0.f, 2.f, 3.f, 4.f}),
                          Tensor({4}, {1.f, 1.f, 0.f, 0.f}));
    CHECK(accuracy.result() == near(0.5));
    // A sample's value is the mean over its elements: (1 of 2) and (2 of 2), weights 1 and 3.
    accuracy.reset_state();
    accuracy.update_state(Tensor({2, 2}, {1.f, 1.f, 2.f, 2.f}), Tensor({2, 2}, {1.f, 0.f, 2.f, 2.f}),
                          Tensor({2}, {1.f, 3.f}));
    CHECK(accuracy.result() == near((0.5 + 3.0) / 4));
}

TEST_CASE("BinaryAccuracy thresholds predictions at 0.5 by default", "[metrics]") {
    kx::metrics::BinaryAccuracy accuracy;
    CHECK(accuracy.name() == "binary_accuracy");
    const Tensor labels({4, 1}, {1.f, 1.f, 0.f, 0.f});
    const Tensor probs({4, 1}, {0.98f, 1.f, 0.f, 0.6f});
    accuracy.update_state(labels, probs);
    CHECK(accuracy.result() == near(0.75));   // Keras docs
    accuracy.update_state(Tensor({2}, {1.f, 0.f}), Tensor({2}, {0.5f, 0.2f}));   // 0.5 is not > 0.5
    CHECK(accuracy.result() == near(4.0 / 6));
    accuracy.reset_state();
    accuracy.update_state(labels, probs, Tensor({4}, {1.f, 0.f, 0.f, 1.f}));
    CHECK(accuracy.result() == near(0.5));   // Keras docs
    kx::metrics::BinaryAccuracy strict({.threshold = 0.7f});
    strict.update_state(labels, probs);
    CHECK(strict.result() == near(1.0));
    CHECK(strict.get_config()["threshold"] == Approx(0.7));
}

TEST_CASE("CategoricalAccuracy compares the argmax of one-hot labels and predictions", "[metrics]") {
    const Tensor one_hot({2, 3}, {0.f, 0.f, 1.f, 0.f, 1.f, 0.f});
    const Tensor probs({2, 3}, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0.f});
    kx::metrics::CategoricalAccuracy accuracy;
    accuracy.update_state(one_hot, probs);
    CHECK(accuracy.result() == near(0.5));   // Keras docs
    accuracy.update_state(Tensor({1, 3}, {1.f, 0.f, 0.f}), Tensor({1, 3}, {0.5f, 0.5f, 0.f}));   // tie: first max
    CHECK(accuracy.result() == near(2.0 / 3));
    accuracy.reset_state();
    accuracy.update_state(one_hot, probs, Tensor({2}, {0.7f, 0.3f}));
    CHECK(accuracy.result() == near(0.3));   // Keras docs
    REQUIRE_THROWS_WITH(accuracy.update_state(Tensor({2}, {2.f, 1.f}), probs),
                        Catch::Contains("CategoricalAccuracy 'categorical_accuracy'") && Catch::Contains("(2,)") &&
                            Catch::Contains("(2, 3)") && Catch::Contains("sparse"));
}

TEST_CASE("SparseCategoricalAccuracy compares class ids with the argmax of predictions", "[metrics]") {
    const Tensor probs({2, 3}, {0.1f, 0.6f, 0.3f, 0.05f, 0.95f, 0.f});
    kx::metrics::SparseCategoricalAccuracy accuracy;
    accuracy.update_state(Tensor({2, 1}, {2.f, 1.f}), probs);
    CHECK(accuracy.result() == near(0.5));   // Keras docs
    accuracy.update_state(Tensor({2}, {1.f, 1.f}), probs);
    CHECK(accuracy.result() == near(3.0 / 4));
    accuracy.reset_state();
    accuracy.update_state(Tensor({2}, {2.f, 1.f}), probs, Tensor({2}, {0.7f, 0.3f}));
    CHECK(accuracy.result() == near(0.3));   // Keras docs
    // (B, T, C): each sample is the mean over its time steps (1 of 2 right).
    accuracy.reset_state();
    accuracy.update_state(Tensor({1, 2}, {2.f, 1.f}), probs.reshaped({1, 2, 3}));
    CHECK(accuracy.result() == near(0.5));
    REQUIRE_THROWS_WITH(accuracy.update_state(Tensor({3}, {2.f, 1.f, 0.f}), probs),
                        Catch::Contains("expected y_true of shape (2,)") && Catch::Contains("got y_true (3,)"));
}

TEST_CASE("TopKCategoricalAccuracy counts labels among the k highest scores", "[metrics]") {
    const Tensor one_hot({2, 3}, {0.f, 0.f, 1.f, 0.f, 1.f, 0.f});
    const Tensor probs({2, 3}, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0.f});
    kx::metrics::TopKCategoricalAccuracy top1({.k = 1});
    top1.update_state(one_hot, probs);
    CHECK(top1.result() == near(0.5));   // Keras docs
    top1.reset_state();
    top1.update_state(one_hot, probs, Tensor({2}, {0.7f, 0.3f}));
    CHECK(top1.result() == near(0.3));   // Keras docs
    kx::metrics::TopKCategoricalAccuracy top2({.k = 2});
    top2.update_state(one_hot, probs);
    top2.update_state(Tensor({1, 3}, {1.f, 0.f, 0.f}), Tensor({1, 3}, {0.1f, 0.5f, 0.4f}));   // third: out
    CHECK(top2.result() == near(2.0 / 3));
    // Ties at the k-th score count as in (TensorFlow's in_top_k).
    top1.reset_state();
    top1.update_state(Tensor({1, 3}, {0.f, 1.f, 0.f}), Tensor({1, 3}, {0.5f, 0.5f, 0.f}));
    CHECK(top1.result() == near(1.0));
    kx::metrics::TopKCategoricalAccuracy top5;
    CHECK(top5.name() == "top_k_categorical_accuracy");
    CHECK(top5.get_config()["k"] == 5);
    REQUIRE_THROWS_WITH(kx::metrics::TopKCategoricalAccuracy({.k = 0}), Catch::Contains("k >= 1"));
}

TEST_CASE("SparseTopKCategoricalAccuracy counts class ids among the k highest scores", "[metrics]") {
    const Tensor probs({2, 3}, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0.f});
    kx::metrics::SparseTopKCategoricalAccuracy top1({.k = 1});
    top1.update_state(Tensor({2}, {2.f, 1.f}), probs);
    CHECK(top1.result() == near(0.5));   // Keras docs
    top1.reset_state();
    top1.update_state(Tensor({2, 1}, {2.f, 1.f}), probs, Tensor({2}, {0.7f, 0.3f}));
    CHECK(top1.result() == near(0.3));   // Keras docs
    kx::metrics::SparseTopKCategoricalAccuracy top5;   // k = 5 > 3 classes: every class id is in
    top5.update_state(Tensor({2}, {0.f, 2.f}), probs);
    top5.update_state(Tensor({2}, {7.f, 0.5f}), probs);   // not class ids: never in
    CHECK(top5.result() == near(0.5));
    CHECK(top5.name() == "sparse_top_k_categorical_accuracy");
    // from_sorted_ids: y_pred holds class ids by decreasing score; a hit is among the first k.
    kx::metrics::SparseTopKCategoricalAccuracy sorted({.k = 2, .from_sorted_ids = true});
    sorted.update_state(Tensor({3}, {7.f, 3.f, 9.f}), Tensor({3, 3}, {7.f, 1.f, 2.f, 5.f, 3.f, 0.f, 1.f, 2.f, 9.f}),
                        Tensor({3}, {1.f, 2.f, 4.f}));
    CHECK(sorted.result() == near(3.0 / 7));   // 7 first, 3 second, 9 third (out)
    CHECK(sorted.get_config()["from_sorted_ids"] == true);
}

TEST_CASE("MeanSquaredError and MeanAbsoluteError metrics average over samples and batches", "[metrics]") {
    const Tensor y_true({2, 2}, {0.f, 1.f, 0.f, 0.f});
    const Tensor y_pred({2, 2}, {1.f, 1.f, 0.f, 0.f});
    kx::metrics::MeanSquaredError mse;
    kx::metrics::MeanAbsoluteError mae;
    mse.update_state(y_true, y_pred);
    mae.update_state(y_true, y_pred);
    CHECK(mse.result() == near(0.25));   // Keras docs
    CHECK(mae.result() == near(0.25));   // Keras docs
    mse.update_state(Tensor({1, 2}, {1.f, 1.f}), Tensor({1, 2}, {3.f, 1.f}));   // one sample: (4 + 0) / 2
    mae.update_state(Tensor({1, 2}, {1.f, 1.f}), Tensor({1, 2}, {3.f, 1.f}));   // (2 + 0) / 2
    CHECK(mse.result() == near((0.5 + 0 + 2) / 3));
    CHECK(mae.result() == near((0.5 + 0 + 1) / 3));
    mse.reset_state();
    mae.reset_state();
    mse.update_state(y_true, y_pred, Tensor({2}, {1.f, 0.f}));
    mae.update_state(y_true, y_pred, Tensor({2}, {1.f, 0.f}));
    CHECK(mse.result() == near(0.5));   // Keras docs
    CHECK(mae.result() == near(0.5));   // Keras docs
    REQUIRE_THROWS_WITH(mse.update_state(y_true, Tensor({2, 3})),
                        Catch::Contains("MeanSquaredError 'mean_squared_error'") && Catch::Contains("y_true (2, 2)") &&
                            Catch::Contains("y_pred (2, 3)"));
    REQUIRE_THROWS_WITH(mae.update_state(y_true, y_pred, Tensor({3})),
                        Catch::Contains("one weight per sample, shape (2,)") && Catch::Contains("got shape (3,)"));
}

TEST_CASE("RootMeanSquaredError is the root of the pooled mean squared error", "[metrics]") {
    const Tensor y_true({2, 2}, {0.f, 1.f, 0.f, 0.f});
    const Tensor y_pred({2, 2}, {1.f, 1.f, 0.f, 0.f});
    kx::metrics::RootMeanSquaredError rmse;
    rmse.update_state(y_true, y_pred);
    CHECK(rmse.result() == near(0.5));   // Keras docs
    rmse.update_state(Tensor({1, 2}, {1.f, 1.f}), Tensor({1, 2}, {3.f, 1.f}));
    CHECK(rmse.result() == near(std::sqrt(2.5 / 3)));   // not the mean of the batch roots
    rmse.reset_state();
    rmse.update_state(y_true, y_pred, Tensor({2}, {1.f, 0.f}));
    CHECK(rmse.result() == near(std::sqrt(0.5)));   // Keras docs: 0.70710677
}

TEST_CASE("Metrics read tensors with autograd history without recording anything", "[metrics]") {
    kx::Variable w("w", Tensor({2, 1}, {0.2f, 0.9f}));
    kx::metrics::BinaryAccuracy accuracy;
    accuracy.update_state(Tensor({2, 1}, {0.f, 1.f}), w * 1.0f);
    CHECK(accuracy.result() == near(1.0));
    CHECK_FALSE(w.grad().defined());
}

TEST_CASE("Metric::get accepts Keras identifiers and names the metric after them", "[metrics]") {
    CHECK(kx::Metric::get("mae")->class_name() == "MeanAbsoluteError");
    CHECK(kx::Metric::get("mae")->name() == "mae");
    CHECK(kx::Metric::get("mean_absolute_error")->name() == "mean_absolute_error");
    CHECK(kx::Metric::get("mse")->class_name() == "MeanSquaredError");
    CHECK(kx::Metric::get("rmse")->class_name() == "RootMeanSquaredError");
    CHECK(kx::Metric::get("accuracy")->class_name() == "Accuracy");
    CHECK(kx::Metric::get("binary_accuracy")->class_name() == "BinaryAccuracy");
    CHECK(kx::Metric::get("categorical_accuracy")->class_name() == "CategoricalAccuracy");
    CHECK(kx::Metric::get("sparse_categorical_accuracy")->class_name() == "SparseCategoricalAccuracy");
    CHECK(kx::Metric::get("top_k_categorical_accuracy")->class_name() == "TopKCategoricalAccuracy");
    CHECK(kx::Metric::get("sparse_top_k_categorical_accuracy")->class_name() == "SparseTopKCategoricalAccuracy");
    CHECK(kx::Metric::get("Mean")->class_name() == "Mean");
    CHECK(kx::Metric::get("top_k_categorical_accuracy")->get_config() ==
          nlohmann::json{{"name", "top_k_categorical_accuracy"}, {"dtype", "float32"}, {"k", 5}});
    REQUIRE_THROWS_WITH(kx::Metric::get("precisoin"),
                        Catch::Contains("'precisoin'") && Catch::Contains("sparse_categorical_accuracy") &&
                            Catch::Contains("rmse") && Catch::Contains("precision"));
}

TEST_CASE("resolve picks the accuracy that fits the loss, then the shapes, and keeps the name", "[metrics]") {
    using kx::metrics::resolve;
    const kx::losses::MeanSquaredError mse;
    const auto resolved = [](const std::shared_ptr<kx::Metric>& m) { return m->class_name() + " " + m->name(); };

    CHECK(resolved(resolve("accuracy", kx::losses::SparseCategoricalCrossentropy(), {32}, {32, 10})) ==
          "SparseCategoricalAccuracy accuracy");
    CHECK(resolved(resolve("acc", kx::losses::BinaryCrossentropy(), {32, 5}, {32, 5})) == "BinaryAccuracy acc");
    CHECK(resolved(resolve("accuracy", kx::losses::CategoricalCrossentropy(), {32, 10}, {32, 10})) ==
          "CategoricalAccuracy accuracy");
    // Other losses: by shapes, as Keras 3 does.
    CHECK(resolved(resolve("accuracy", mse, {32}, {32, 1})) == "BinaryAccuracy accuracy");
    CHECK(resolved(resolve("accuracy", mse, {32}, {32})) == "BinaryAccuracy accuracy");
    CHECK(resolved(resolve("accuracy", mse, {32}, {32, 10})) == "SparseCategoricalAccuracy accuracy");
    CHECK(resolved(resolve("accuracy", mse, {32, 1}, {32, 10})) == "SparseCategoricalAccuracy accuracy");
    CHECK(resolved(resolve("Accuracy", mse, {32, 10}, {32, 10})) == "CategoricalAccuracy Accuracy");
    // Anything else is Metric::get.
    CHECK(resolved(resolve("mae", mse, {32, 1}, {32, 1})) == "MeanAbsoluteError mae");
    REQUIRE_THROWS_WITH(resolve("f1", mse, {32}, {32}), Catch::Contains("'f1'"));

    // The resolved metric works on the shapes it was resolved for.
    auto accuracy = resolve("accuracy", kx::losses::SparseCategoricalCrossentropy({.from_logits = true}), {2}, {2, 3});
    accuracy->update_state(Tensor({2}, {2.f, 0.f}), Tensor({2, 3}, {-1.f, 0.f, 3.f, 1.f, 2.f, 0.f}));
    CHECK(accuracy->result() == near(0.5));
}
