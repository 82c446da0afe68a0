// Reference values are hand-computed where the arithmetic is short; the others come from PyTorch
// in float64 (torch.nn.functional.binary_cross_entropy[_with_logits], cross_entropy with
// label_smoothing / ignore_index, and the Keras formulas written with torch ops), as noted.
// Tolerance: relative 1e-5 unless stated (float32 arithmetic on O(1) values).

#include <nlohmann/json.hpp>

namespace {

using kx::Tensor;

Approx near(double value) { return Approx(value).epsilon(1e-5); }

// y_true (3, 2), y_pred (3, 2) for the regression losses, and one weight per sample.
const Tensor regression_true({3, 2}, {0.f, 1.f, 1.f, 1.f, 0.5f, 2.f});
const Tensor regression_pred({3, 2}, {0.5f, 0.5f, 1.f, 2.f, 1.f, -1.f});
const Tensor weights3({3}, {1.f, 0.5f, 2.f});

// The finite-difference check of d(loss)/d(y_pred), with y_true and sample_weight held fixed.
void require_gradients(const kx::Loss& loss, const Tensor& y_true, const Tensor& y_pred,
                       const Tensor& sample_weight = Tensor(), kx::testing::GradientCheckOptions options = {}) {
    const auto result = kx::testing::check_gradients(
        [&](const std::vector<Tensor>& in) { return loss(y_true, in[0], sample_weight); }, {y_pred}, options);
    INFO(loss.class_name() << ": " << result.report);
    REQUIRE(result.ok);
}

}  // namespace

TEST_CASE("MeanSquaredError averages squared errors per sample, then over the batch", "[losses]") {
    kx::losses::MeanSquaredError mse;
    // per sample: (0.25 + 0.25) / 2, (0 + 1) / 2, (0.25 + 9) / 2
    CHECK_THAT(mse.call(regression_true, regression_pred).to_vector(),
               Catch::Matchers::Approx(std::vector<float>{0.25f, 0.5f, 4.625f}).epsilon(1e-6));
    CHECK(mse(regression_true, regression_pred).item() == near(5.375 / 3));
    // sum_over_batch_size: (1 * 0.25 + 0.5 * 0.5 + 2 * 4.625) / 3
    CHECK(mse(regression_true, regression_pred, weights3).item() == near(9.75 / 3));
    CHECK(mse(regression_true, regression_pred).rank() == 0);
    require_gradients(mse, regression_true, regression_pred, weights3);
}

TEST_CASE("MeanAbsoluteError averages absolute errors", "[losses]") {
    kx::losses::MeanAbsoluteError mae;
    // per sample: 0.5, 0.5, 1.75
    CHECK(mae(regression_true, regression_pred).item() == near(2.75 / 3));
    CHECK(mae(regression_true, regression_pred, weights3).item() == near(4.25 / 3));
    const Tensor away_from_kinks({3, 2}, {0.3f, 0.9f, 1.4f, 0.2f, 0.8f, -2.0f});   // no zero error
    require_gradients(mae, regression_true, away_from_kinks, weights3);
}

TEST_CASE("Huber is quadratic within delta and linear beyond it", "[losses]") {
    // errors y_pred - y_true: 0.5, -0.5, 0, 1, 0.5, -3
    kx::losses::Huber huber;
    // 0.5 e^2 = 0.125, 0.125, 0, 0.5, 0.125; |e| = 3 > 1: 1 * 3 - 0.5 = 2.5
    CHECK(huber(regression_true, regression_pred).item() == near(3.375 / 6));
    kx::losses::Huber wide({.delta = 2.0f});
    // |e| = 3 > 2: 2 * 3 - 0.5 * 4 = 4 (torch.nn.HuberLoss(delta=2) agrees)
    CHECK(wide(regression_true, regression_pred).item() == near(4.875 / 6));
    CHECK(wide(regression_true, regression_pred, weights3).item() == near((0.125 + 0.5 * 0.25 + 2 * 2.0625) / 3));
    const Tensor away_from_kinks({3, 2}, {0.3f, 0.9f, 1.4f, 0.2f, 0.8f, -2.0f});
    require_gradients(huber, regression_true, away_from_kinks, weights3);
    require_gradients(wide, regression_true, away_from_kinks);
}

TEST_CASE("LogCosh matches log(cosh(error)) and does not overflow on large errors", "[losses]") {
    kx::losses::LogCosh log_cosh;
    // torch: torch.log(torch.cosh(p - t)).mean(-1), then mean / weighted mean over the batch
    CHECK(log_cosh(regression_true, regression_pred).item() == near(0.5172421426559408));
    CHECK(log_cosh(regression_true, regression_pred, weights3).item() == near(0.8860009087050323));
    // cosh(100) overflows float32; log(cosh(100)) = 100 - log(2)
    CHECK(log_cosh(Tensor({1, 1}, {0.f}), Tensor({1, 1}, {100.f})).item() == Approx(100.0 - std::log(2.0)).epsilon(1e-6));
    require_gradients(log_cosh, regression_true, regression_pred, weights3);
}

TEST_CASE("BinaryCrossentropy on probabilities matches PyTorch's BCELoss", "[losses]") {
    const Tensor labels({3, 2}, {0.f, 1.f, 1.f, 0.f, 1.f, 1.f});
    const Tensor probs({3, 2}, {0.1f, 0.8f, 0.6f, 0.3f, 0.9f, 0.2f});
    kx::losses::BinaryCrossentropy bce;
    // torch: F.binary_cross_entropy(p, t, reduction='none').mean(-1), then (weighted) mean
    CHECK(bce(labels, probs).item() == near(0.485133843794781));
    CHECK(bce(labels, probs, weights3).item() == near(0.6986418678347084));
    // label_smoothing 0.2: targets t * 0.8 + 0.1 (torch with those soft targets)
    kx::losses::BinaryCrossentropy smoothed({.label_smoothing = 0.2f});
    CHECK(smoothed(labels, probs).item() == near(0.5792540458475778));
    require_gradients(bce, labels, probs, weights3, {.epsilon = 1e-3f});
    require_gradients(smoothed, labels, probs, {}, {.epsilon = 1e-3f});
}

TEST_CASE("BinaryCrossentropy clips probabilities of exactly 0 and 1 to [1e-7, 1 - 1e-7]", "[losses]") {
    kx::losses::BinaryCrossentropy bce;
    // t = 1, p = 0: -log(1e-7); t = 0, p = 1: -log(1 - float(1 - 1e-7)) = -log(2^-23) = 23 log 2
    CHECK(bce(Tensor({1, 1}, {1.f}), Tensor({1, 1}, {0.f})).item() == Approx(16.11809565095832).epsilon(1e-4));
    CHECK(bce(Tensor({1, 1}, {0.f}), Tensor({1, 1}, {1.f})).item() == Approx(23 * std::log(2.0)).epsilon(1e-5));
}

TEST_CASE("BinaryCrossentropy from logits matches BCEWithLogits and stays finite for large logits", "[losses]") {
    const Tensor labels({3, 2}, {0.f, 1.f, 1.f, 0.f, 1.f, 1.f});
    const Tensor logits({3, 2}, {-1.f, 2.f, 0.5f, -0.3f, 3.f, -1.f});
    kx::losses::BinaryCrossentropy bce({.from_logits = true});
    // torch: F.binary_cross_entropy_with_logits
    CHECK(bce(labels, logits).item() == near(0.471745161050299));
    CHECK(bce(labels, logits, weights3).item() == near(0.6130173151782404));
    kx::losses::BinaryCrossentropy smoothed({.from_logits = true, .label_smoothing = 0.2f});
    CHECK(smoothed(labels, logits).item() == near(0.5684118277169657));
    // logit 100 for label 0 costs 100; logit -100 for label 0 costs ~e^-100
    CHECK(bce(Tensor({2}, {0.f, 0.f}), Tensor({2}, {100.f, -100.f})).item() == Approx(50.0).epsilon(1e-6));
    // The same as the probability form on sigmoid(logits), within clipping.
    kx::losses::BinaryCrossentropy from_probs;
    CHECK(bce(labels, logits).item() == Approx(from_probs(labels, kx::ops::sigmoid(logits)).item()).epsilon(1e-4));
    require_gradients(bce, labels, logits, weights3);
    require_gradients(smoothed, labels, logits);
}

TEST_CASE("CategoricalCrossentropy on probabilities matches the Keras example", "[losses]") {
    const Tensor one_hot({2, 3}, {0.f, 1.f, 0.f, 0.f, 0.f, 1.f});
    const Tensor probs({2, 3}, {0.05f, 0.95f, 0.f, 0.1f, 0.8f, 0.1f});
    kx::losses::CategoricalCrossentropy cce;
    // Keras docs: 1.177; per sample -log(0.95), -log(0.1)
    CHECK_THAT(cce.call(one_hot, probs).to_vector(),
               Catch::Matchers::Approx(std::vector<float>{0.05129329f, 2.30258509f}).epsilon(1e-5));
    CHECK(cce(one_hot, probs).item() == near(1.176939193690798));
    CHECK(cce(one_hot, probs, Tensor({2}, {0.3f, 0.7f})).item() == near(0.8135987767060484));
    // label_smoothing 0.1 over 3 classes: targets t * 0.9 + 0.1 / 3
    kx::losses::CategoricalCrossentropy smoothed({.label_smoothing = 0.1f});
    CHECK(smoothed(one_hot, probs).item() == Approx(1.4591358569250876).epsilon(1e-4));   // -log(1e-7) term
    const Tensor interior({2, 3}, {0.2f, 0.5f, 0.3f, 0.1f, 0.3f, 0.6f});
    require_gradients(cce, one_hot, interior, Tensor({2}, {0.3f, 0.7f}), {.epsilon = 1e-3f});
    require_gradients(smoothed, one_hot, interior, {}, {.epsilon = 1e-3f});
}

TEST_CASE("CategoricalCrossentropy renormalises probabilities that do not sum to 1", "[losses]") {
    kx::losses::CategoricalCrossentropy cce;
    // rows / their sums: (0.25, 0.5, 0.25) and (0.25, 0.25, 0.5); the label has 0.5 in each
    const Tensor one_hot({2, 3}, {0.f, 1.f, 0.f, 0.f, 0.f, 1.f});
    CHECK(cce(one_hot, Tensor({2, 3}, {1.f, 2.f, 1.f, 2.f, 2.f, 4.f})).item() == near(std::log(2.0)));
    require_gradients(cce, one_hot, Tensor({2, 3}, {1.f, 2.f, 1.f, 2.f, 2.f, 4.f}));
}

TEST_CASE("CategoricalCrossentropy from logits matches PyTorch's cross_entropy", "[losses]") {
    const Tensor one_hot({2, 3}, {0.f, 1.f, 0.f, 0.f, 0.f, 1.f});
    const Tensor logits({2, 3}, {1.f, 2.f, 0.5f, -1.f, 0.f, 3.f});
    kx::losses::CategoricalCrossentropy cce({.from_logits = true});
    CHECK(cce(one_hot, logits).item() == near(0.265126343932687));
    // per sample (torch): 0.4643687841079449, 0.06588390375742911
    CHECK(cce(one_hot, logits, Tensor({2}, {2.f, 0.5f})).item() ==
          near((2 * 0.4643687841079449 + 0.5 * 0.06588390375742911) / 2));
    kx::losses::CategoricalCrossentropy smoothed({.from_logits = true, .label_smoothing = 0.1f});
    CHECK(smoothed(one_hot, logits).item() == near(0.4234596772660204));   // torch label_smoothing=0.1
    require_gradients(cce, one_hot, logits, Tensor({2}, {2.f, 0.5f}));
    require_gradients(smoothed, one_hot, logits);
}

TEST_CASE("CategoricalCrossentropy reduces over the given class axis", "[losses]") {
    // (B, T, C) = (1, 2, 3) with axis -1, and the same data laid out (B, C, T) with axis 1.
    const Tensor labels_last({1, 2, 3}, {0.f, 1.f, 0.f, 0.f, 0.f, 1.f});
    const Tensor logits_last({1, 2, 3}, {1.f, 2.f, 0.5f, -1.f, 0.f, 3.f});
    const Tensor labels_mid({1, 3, 2}, {0.f, 0.f, 1.f, 0.f, 0.f, 1.f});
    const Tensor logits_mid({1, 3, 2}, {1.f, -1.f, 2.f, 0.f, 0.5f, 3.f});
    kx::losses::CategoricalCrossentropy last({.from_logits = true});
    kx::losses::CategoricalCrossentropy mid({.from_logits = true, .axis = 1});
    // per sample: the mean over T of each position's crossentropy (torch value for the 2 rows)
    CHECK(last(labels_last, logits_last).item() == near(0.265126343932687));
    CHECK(mid(labels_mid, logits_mid).item() == near(0.265126343932687));
    require_gradients(mid, labels_mid, logits_mid);
    REQUIRE_THROWS_WITH(kx::losses::CategoricalCrossentropy({.axis = 0})(labels_mid, logits_mid),
                        Catch::Contains("CategoricalCrossentropy") && Catch::Contains("axis 0") &&
                            Catch::Contains("batch"));
}

TEST_CASE("SparseCategoricalCrossentropy on probabilities picks the label's probability", "[losses]") {
    const Tensor labels({2}, {1.f, 2.f});
    const Tensor probs({2, 3}, {0.05f, 0.95f, 0.f, 0.1f, 0.8f, 0.1f});
    kx::losses::SparseCategoricalCrossentropy scce;
    CHECK(scce(labels, probs).item() == near(1.176939193690798));   // as the one-hot Keras example
    CHECK(scce(Tensor({2, 1}, {1.f, 2.f}), probs).item() == near(1.176939193690798));   // (B, 1) labels
    CHECK(scce(labels, probs, Tensor({2}, {0.3f, 0.7f})).item() == near(0.8135987767060484));
    // Keras renormalises probabilities first: -log(2 / 4) for the first row, -log(1 / 2) for the second.
    CHECK(scce(labels, Tensor({2, 3}, {1.f, 2.f, 1.f, 0.5f, 0.5f, 1.f})).item() == near(std::log(2.0)));
    // clipped: p = 0 at the label costs -log(1e-7)
    CHECK(scce(Tensor({1}, {2.f}), Tensor({1, 3}, {0.5f, 0.5f, 0.f})).item() == Approx(16.11809565095832).epsilon(1e-4));
    require_gradients(scce, labels, Tensor({2, 3}, {0.2f, 0.5f, 0.3f, 0.1f, 0.3f, 0.6f}), Tensor({2}, {0.3f, 0.7f}),
                      {.epsilon = 1e-3f});
    require_gradients(scce, labels, Tensor({2, 3}, {1.f, 2.f, 1.f, 0.5f, 0.5f, 1.f}));   // unnormalised rows
}

TEST_CASE("SparseCategoricalCrossentropy from logits matches PyTorch's cross_entropy", "[losses]") {
    const Tensor labels({2}, {1.f, 2.f});
    const Tensor logits({2, 3}, {1.f, 2.f, 0.5f, -1.f, 0.f, 3.f});
    kx::losses::SparseCategoricalCrossentropy scce({.from_logits = true});
    CHECK_THAT(scce.call(labels, logits).to_vector(),
               Catch::Matchers::Approx(std::vector<float>{0.4643687841079449f, 0.06588390375742911f}).epsilon(1e-5));
    CHECK(scce(labels, logits).item() == near(0.265126343932687));
    CHECK(scce(labels, logits, Tensor({2}, {2.f, 0.f})).item() == near(0.4643687841079449));
    require_gradients(scce, labels, logits, Tensor({2}, {0.3f, 0.7f}));
}

TEST_CASE("SparseCategoricalCrossentropy averages over time steps for (B, T, C) predictions", "[losses]") {
    const Tensor labels({1, 2}, {1.f, 2.f});
    const Tensor logits({1, 2, 3}, {1.f, 2.f, 0.5f, -1.f, 0.f, 3.f});
    kx::losses::SparseCategoricalCrossentropy scce({.from_logits = true});
    CHECK(scce.call(labels, logits).shape() == kx::Shape{1});
    CHECK(scce(labels, logits).item() == near(0.265126343932687));
    CHECK(scce(Tensor({1, 2, 1}, {1.f, 2.f}), logits).item() == near(0.265126343932687));
    require_gradients(scce, labels, logits);
}

TEST_CASE("SparseCategoricalCrossentropy with ignore_class averages over the other labels only", "[losses]") {
    const Tensor labels({3}, {1.f, -1.f, 2.f});
    const Tensor logits({3, 3}, {1.f, 2.f, 0.5f, 0.3f, 0.2f, 0.1f, -1.f, 0.f, 3.f});
    kx::losses::SparseCategoricalCrossentropy scce({.from_logits = true, .ignore_class = -1});
    // torch: F.cross_entropy(logits, labels, ignore_index=-1)
    CHECK(scce(labels, logits).item() == near(0.265126343932687));
    CHECK(scce.call(labels, logits).at({1}) == 0.0f);
    // Every label ignored: nothing to average, the loss is 0 (Keras' divide_no_nan).
    CHECK(scce(Tensor({1}, {-1.f}), Tensor({1, 3}, {1.f, 2.f, 3.f})).item() == 0.0f);
    require_gradients(scce, labels, logits);
    kx::losses::SparseCategoricalCrossentropy from_probs({.ignore_class = 255});
    CHECK(from_probs(Tensor({2}, {255.f, 1.f}), Tensor({2, 2}, {0.5f, 0.5f, 0.2f, 0.8f})).item() ==
          near(-std::log(0.8)));
}

TEST_CASE("SparseCategoricalCrossentropy rejects labels that are not class ids", "[losses]") {
    const Tensor probs({2, 3}, {0.2f, 0.5f, 0.3f, 0.1f, 0.3f, 0.6f});
    for (const bool from_logits : {false, true}) {
        kx::losses::SparseCategoricalCrossentropy scce({.from_logits = from_logits});
        REQUIRE_THROWS_WITH(scce(Tensor({2}, {1.f, 3.f}), probs),
                            Catch::Contains("SparseCategoricalCrossentropy") && Catch::Contains("[0, 3)") &&
                                Catch::Contains("got 3") && Catch::Contains("y_true[1]"));
        REQUIRE_THROWS_WITH(scce(Tensor({2}, {-1.f, 0.f}), probs), Catch::Contains("got -1"));
        REQUIRE_THROWS_WITH(scce(Tensor({2}, {0.f, 1.5f}), probs), Catch::Contains("integer") && Catch::Contains("1.5"));
        REQUIRE_THROWS_WITH(scce(Tensor({2, 3}, {0.f, 1.f, 0.f, 0.f, 0.f, 1.f}), probs),
                            Catch::Contains("expected y_true of shape (2,)") && Catch::Contains("y_pred of shape (2, 3)") &&
                                Catch::Contains("got y_true (2, 3)"));
    }
}

TEST_CASE("KLDivergence matches the Keras example", "[losses]") {
    kx::losses::KLDivergence kld;
    const Tensor y_true({2, 2}, {0.f, 1.f, 0.f, 0.f});
    const Tensor y_pred({2, 2}, {0.6f, 0.4f, 0.4f, 0.6f});
    CHECK(kld(y_true, y_pred).item() == near(0.45814304511982884));   // Keras docs: 0.458
    // weights (2, 0): only row 1, log(1 / 0.4) + 1e-7 log(1e-7 / 0.6) (clipped zero label)
    CHECK(kld(y_true, y_pred, Tensor({2}, {2.f, 0.f})).item() == near(std::log(2.5) + 1e-7 * std::log(1e-7 / 0.6)));
    const Tensor distribution({2, 3}, {0.2f, 0.5f, 0.3f, 0.1f, 0.3f, 0.6f});
    // sum t log(t / p) by hand: row 1 vs (0.3, 0.4, 0.3), row 2 vs itself (0)
    const double row1 = 0.2 * std::log(0.2 / 0.3) + 0.5 * std::log(0.5 / 0.4) + 0.3 * std::log(0.3 / 0.3);
    CHECK(kld(distribution, Tensor({2, 3}, {0.3f, 0.4f, 0.3f, 0.1f, 0.3f, 0.6f})).item() == Approx(row1 / 2).epsilon(1e-4));
    require_gradients(kld, distribution, Tensor({2, 3}, {0.3f, 0.4f, 0.3f, 0.2f, 0.2f, 0.6f}), {}, {.epsilon = 1e-3f});
}

TEST_CASE("Hinge maps 0/1 labels to -1/1 and keeps -1/1 labels", "[losses]") {
    kx::losses::Hinge hinge;
    // Keras docs: labels (0, 1; 0, 0) become (-1, 1; -1, -1): 1.3
    CHECK(hinge(Tensor({2, 2}, {0.f, 1.f, 0.f, 0.f}), Tensor({2, 2}, {0.6f, 0.4f, 0.4f, 0.6f})).item() == near(1.3));
    const Tensor signs({2, 2}, {-1.f, 1.f, 1.f, -1.f});
    const Tensor scores({2, 2}, {0.3f, 2.f, -0.5f, -0.2f});
    // 1 - t p: 1.3, -1 (-> 0), 1.5, 0.8: per sample 0.65, 1.15
    CHECK_THAT(hinge.call(signs, scores).to_vector(), Catch::Matchers::Approx(std::vector<float>{0.65f, 1.15f}).epsilon(1e-5));
    CHECK(hinge(signs, scores, Tensor({2}, {1.f, 3.f})).item() == near((0.65 + 3 * 1.15) / 2));
    require_gradients(hinge, signs, scores);
}

TEST_CASE("Losses compare (B,) labels with (B, 1) predictions and reject other shape mismatches", "[losses]") {
    kx::losses::MeanSquaredError mse;
    CHECK(mse(Tensor({2}, {1.f, 2.f}), Tensor({2, 1}, {0.f, 0.f})).item() == near(2.5));
    CHECK(mse(Tensor({2, 1}, {1.f, 2.f}), Tensor({2}, {0.f, 0.f})).item() == near(2.5));
    CHECK(kx::losses::BinaryCrossentropy()(Tensor({2}, {1.f, 0.f}), Tensor({2, 1}, {0.5f, 0.5f})).item() ==
          near(std::log(2.0)));
    REQUIRE_THROWS_WITH(mse(Tensor({4}, {1.f, 2.f, 3.f, 4.f}), Tensor({4, 10})),
                        Catch::Contains("MeanSquaredError") && Catch::Contains("y_true (4,)") &&
                            Catch::Contains("y_pred (4, 10)"));
    REQUIRE_THROWS_WITH(kx::losses::CategoricalCrossentropy()(Tensor({2}, {1.f, 2.f}), Tensor({2, 3})),
                        Catch::Contains("(2,)") && Catch::Contains("(2, 3)") &&
                            Catch::Contains("SparseCategoricalCrossentropy"));
}

TEST_CASE("Loss rejects a sample_weight that is not one weight per sample", "[losses]") {
    kx::losses::MeanSquaredError mse;
    REQUIRE_THROWS_WITH(mse(regression_true, regression_pred, Tensor({2}, {1.f, 1.f})),
                        Catch::Contains("MeanSquaredError") && Catch::Contains("shape (3,)") &&
                            Catch::Contains("got shape (2,)"));
    CHECK(mse(regression_true, regression_pred, Tensor({3, 1}, {1.f, 0.5f, 2.f})).item() == near(9.75 / 3));
    CHECK(mse(regression_true, regression_pred, Tensor::scalar(2.f)).item() == near(2 * 5.375 / 3));
}

TEST_CASE("A loss gives gradients to the variables that produced y_pred", "[losses]") {
    kx::Variable w("w", Tensor({2}, {1.f, 2.f}));
    const Tensor x({1, 2}, {1.f, 1.f});
    kx::backward(kx::losses::MeanSquaredError()(Tensor({1, 2}, {0.f, 0.f}), x * w));
    // d/dw mean((x w)^2) = x^2 w   (mean over 2 elements: 2 w / 2)
    CHECK_THAT(w.grad().to_vector(), Catch::Matchers::Approx(std::vector<float>{1.f, 2.f}).epsilon(1e-6));
}

TEST_CASE("Loss::get accepts Keras identifiers and lists the valid ones otherwise", "[losses]") {
    CHECK(kx::Loss::get("mse")->class_name() == "MeanSquaredError");
    CHECK(kx::Loss::get("mean_squared_error")->name() == "mean_squared_error");
    CHECK(kx::Loss::get("MAE")->class_name() == "MeanAbsoluteError");
    CHECK(kx::Loss::get("huber")->name() == "huber_loss");
    CHECK(kx::Loss::get("log_cosh")->class_name() == "LogCosh");
    CHECK(kx::Loss::get("bce")->class_name() == "BinaryCrossentropy");
    CHECK(kx::Loss::get("categorical_crossentropy")->class_name() == "CategoricalCrossentropy");
    CHECK(kx::Loss::get("sparse_categorical_crossentropy")->name() == "sparse_categorical_crossentropy");
    CHECK(kx::Loss::get("SparseCategoricalCrossentropy")->class_name() == "SparseCategoricalCrossentropy");
    CHECK(kx::Loss::get("kld")->class_name() == "KLDivergence");
    CHECK(kx::Loss::get("hinge")->class_name() == "Hinge");
    REQUIRE_THROWS_WITH(kx::Loss::get("msee"), Catch::Contains("'msee'") && Catch::Contains("mean_squared_error") &&
                                                   Catch::Contains("sparse_categorical_crossentropy"));
    const kx::Handle<kx::Loss> by_name = "binary_crossentropy";
    const kx::Handle<kx::Loss> by_object = kx::losses::SparseCategoricalCrossentropy({.from_logits = true});
    CHECK(by_name->class_name() == "BinaryCrossentropy");
    CHECK(by_object->get_config()["from_logits"] == true);
}

TEST_CASE("Losses write Keras configs and come back from them", "[losses]") {
    const auto bce = kx::losses::BinaryCrossentropy({.from_logits = true, .label_smoothing = 0.25f, .name = "bce"});
    const nlohmann::json config = bce.get_config();
    CHECK(config == nlohmann::json{{"name", "bce"},
                                   {"reduction", "sum_over_batch_size"},
                                   {"from_logits", true},
                                   {"label_smoothing", 0.25},
                                   {"axis", -1}});
    CHECK(kx::losses::SparseCategoricalCrossentropy().get_config()["ignore_class"].is_null());
    CHECK(kx::losses::SparseCategoricalCrossentropy({.ignore_class = 255}).get_config()["ignore_class"] == 255);
    CHECK(kx::losses::Huber({.delta = 2.f}).get_config()["delta"] == 2.0);
    CHECK(kx::losses::MeanSquaredError().get_config() ==
          nlohmann::json{{"name", "mean_squared_error"}, {"reduction", "sum_over_batch_size"}});

    const std::vector<std::shared_ptr<kx::Loss>> all = {
        std::make_shared<kx::losses::MeanSquaredError>(),
        std::make_shared<kx::losses::MeanAbsoluteError>(),
        std::make_shared<kx::losses::Huber>(kx::losses::HuberOptions{.delta = 0.5f}),
        std::make_shared<kx::losses::LogCosh>(),
        std::make_shared<kx::losses::BinaryCrossentropy>(bce),
        std::make_shared<kx::losses::CategoricalCrossentropy>(
            kx::losses::CategoricalCrossentropyOptions{.label_smoothing = 0.1f, .axis = 1}),
        std::make_shared<kx::losses::SparseCategoricalCrossentropy>(
            kx::losses::SparseCategoricalCrossentropyOptions{.from_logits = true, .ignore_class = 3}),
        std::make_shared<kx::losses::KLDivergence>(),
        std::make_shared<kx::losses::Hinge>(kx::losses::HingeOptions{.name = "my_hinge"}),
    };
    for (const auto& loss : all) {
        const nlohmann::json serialized = kx::losses::serialize(*loss);
        const auto restored = kx::losses::deserialize(serialized);
        CHECK(restored->class_name() == loss->class_name());
        CHECK(restored->get_config() == loss->get_config());
    }
    CHECK(kx::losses::deserialize("mae")->class_name() == "MeanAbsoluteError");
    REQUIRE_THROWS_WITH(kx::losses::deserialize({{"class_name", "Focal"}, {"config", nlohmann::json::object()}}),
                        Catch::Contains("'Focal'"));
    REQUIRE_THROWS_WITH(
        kx::losses::deserialize({{"class_name", "MeanSquaredError"}, {"config", {{"reduction", "sum"}}}}),
        Catch::Contains("sum_over_batch_size"));
}

TEST_CASE("Loss options are validated when the loss is made", "[losses]") {
    REQUIRE_THROWS_WITH(kx::losses::BinaryCrossentropy({.label_smoothing = 1.5f}),
                        Catch::Contains("BinaryCrossentropy") && Catch::Contains("label_smoothing=1.5"));
    REQUIRE_THROWS_WITH(kx::losses::CategoricalCrossentropy({.label_smoothing = -0.1f}),
                        Catch::Contains("[0, 1]"));
    REQUIRE_THROWS_WITH(kx::losses::Huber({.delta = 0.f}), Catch::Contains("Huber") && Catch::Contains("delta > 0"));
}

TEST_CASE("Every loss round-trips its non-default arguments through losses::deserialize", "[losses][config4]") {
    namespace ls = kx::losses;
    const std::vector<std::shared_ptr<kx::Loss>> all = {
        std::make_shared<ls::MeanSquaredError>(ls::MeanSquaredErrorOptions{.name = "mse_a"}),
        std::make_shared<ls::MeanAbsoluteError>(ls::MeanAbsoluteErrorOptions{.name = "mae_a"}),
        std::make_shared<ls::Huber>(ls::HuberOptions{.delta = 0.3f, .name = "huber_a"}),
        std::make_shared<ls::LogCosh>(ls::LogCoshOptions{.name = "logcosh_a"}),
        std::make_shared<ls::BinaryCrossentropy>(
            ls::BinaryCrossentropyOptions{.from_logits = true, .label_smoothing = 0.1f, .axis = 1, .name = "bce_a"}),
        std::make_shared<ls::CategoricalCrossentropy>(ls::CategoricalCrossentropyOptions{
            .from_logits = true, .label_smoothing = 0.2f, .axis = 1, .name = "cce_a"}),
        std::make_shared<ls::SparseCategoricalCrossentropy>(
            ls::SparseCategoricalCrossentropyOptions{.from_logits = true, .ignore_class = 2, .name = "scce_a"}),
        std::make_shared<ls::KLDivergence>(ls::KLDivergenceOptions{.name = "kld_a"}),
        std::make_shared<ls::Hinge>(ls::HingeOptions{.name = "hinge_a"}),
    };
    REQUIRE(all.size() == 9);   // every loss of losses.hpp
    // (3, 4) targets in [0, 1] (class ids 0..3 for the sparse loss) and predictions in (0, 1).
    const kx::Tensor y_true({3, 4}, {0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1});
    const kx::Tensor ids({3}, {1, 2, 3});
    const kx::Tensor y_pred({3, 4}, {0.2f, 0.6f, 0.1f, 0.1f, 0.7f, 0.1f, 0.1f, 0.1f, 0.3f, 0.2f, 0.4f, 0.1f});
    for (const auto& loss : all) {
        INFO(loss->class_name());
        // Through the JSON text, as a model file stores the compile config.
        const auto restored = ls::deserialize(nlohmann::json::parse(ls::serialize(*loss).dump()));
        CHECK(restored->class_name() == loss->class_name());
        CHECK(restored->name() == loss->name());
        CHECK(restored->get_config() == loss->get_config());
        const kx::Tensor& t = loss->class_name() == "SparseCategoricalCrossentropy" ? ids : y_true;
        CHECK((*restored)(t, y_pred).to_vector() == (*loss)(t, y_pred).to_vector());   // bit-identical
    }
}
