#include <nlohmann/json.hpp>

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {
// sum|x| = 3.75, sum x^2 = 5.3125
kx::Tensor sample() { return kx::Tensor({2, 2}, {1.0f, -2.0f, 0.5f, -0.25f}); }
}  // namespace

TEST_CASE("L1, L2 and L1L2 penalties match l1 * sum|x| + l2 * sum x^2", "[regularization]") {
    CHECK(kx::regularizers::L1(0.1)(sample()).item() == Approx(0.375).epsilon(1e-6));
    CHECK(kx::regularizers::L2(0.2)(sample()).item() == Approx(1.0625).epsilon(1e-6));
    CHECK(kx::regularizers::L1L2({.l1 = 0.1, .l2 = 0.2})(sample()).item() == Approx(1.4375).epsilon(1e-6));
    CHECK(kx::regularizers::L1L2()(sample()).item() == 0.0f);
    // Keras' docstring example: L2(2.) on ones((5, 5)) is 50.
    CHECK(kx::regularizers::L2(2.0)(kx::Tensor::ones({5, 5})).item() == Approx(50.0));
    CHECK(kx::regularizers::L2(2.0)(kx::Tensor::ones({5, 5})).shape() == kx::Shape{});
}

TEST_CASE("Regularizer penalties have the gradient l1 * sign(x) + 2 * l2 * x", "[regularization]") {
    kx::Variable w("w", kx::Tensor({4}, {1.0f, -2.0f, 0.0f, 0.5f}));
    kx::backward(kx::regularizers::L1L2({.l1 = 0.1, .l2 = 0.2})(w));
    // sign(0) = 0, as TF's abs gradient
    const std::vector<float> expected{0.1f + 0.4f, -0.1f - 0.8f, 0.0f, 0.1f + 0.2f};
    const std::vector<float> got = w.grad().to_vector();
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(got[i] == Approx(expected[i]).epsilon(1e-6));
}

TEST_CASE("Regularizer penalties pass the finite-difference gradient check", "[regularization]") {
    const kx::Tensor x({2, 3}, {0.7f, -1.3f, 0.4f, -0.6f, 2.1f, -0.9f});   // away from the kink at 0
    std::vector<std::shared_ptr<kx::Regularizer>> regularizers{
        std::make_shared<kx::regularizers::L1>(0.3), std::make_shared<kx::regularizers::L2>(0.7),
        std::make_shared<kx::regularizers::L1L2>(kx::regularizers::L1L2Options{.l1 = 0.2, .l2 = 0.5})};
    for (const auto& regularizer : regularizers) {
        const auto result = kx::testing::check_gradients(
            [&](const std::vector<kx::Tensor>& in) { return (*regularizer)(in[0]); }, {x});
        INFO(regularizer->class_name() << ": " << result.report);
        CHECK(result.ok);
    }
}

TEST_CASE("Regularizer::get knows Keras' string identifiers and class names", "[regularization]") {
    CHECK(kx::Regularizer::get("l1")->get_config() == json{{"l1", 0.01}});
    CHECK(kx::Regularizer::get("l2")->get_config() == json{{"l2", 0.01}});
    CHECK(kx::Regularizer::get("l1_l2")->get_config() == json{{"l1", 0.01}, {"l2", 0.01}});
    CHECK(kx::Regularizer::get("L1L2")->get_config() == json{{"l1", 0.0}, {"l2", 0.0}});   // the class's defaults
    CHECK(kx::Regularizer::get("L2")->class_name() == "L2");
    kx::Handle<kx::Regularizer> from_string = "l2";
    CHECK(from_string->class_name() == "L2");
}

TEST_CASE("Regularizers reject unknown identifiers and negative or infinite factors", "[regularization]") {
    REQUIRE_THROWS_WITH(kx::Regularizer::get("l3"),
                        Contains("regularizer identifier: 'l3'") && Contains("l1, l1_l2, l2"));
    REQUIRE_THROWS_WITH(kx::regularizers::L1(-0.5), Contains("L1") && Contains("non-negative") && Contains("l1=-0.5"));
    REQUIRE_THROWS_WITH(kx::regularizers::L2(std::numeric_limits<double>::infinity()), Contains("l2=inf"));
    REQUIRE_THROWS_WITH(kx::regularizers::L1L2({.l2 = -1.0}), Contains("L1L2") && Contains("l2=-1"));
}

TEST_CASE("Regularizer configs round trip through serialize and deserialize", "[regularization]") {
    const std::shared_ptr<kx::Regularizer> l1l2 =
        std::make_shared<kx::regularizers::L1L2>(kx::regularizers::L1L2Options{.l1 = 0.25, .l2 = 0.5});
    const json serialized = kx::regularizers::serialize(l1l2);
    CHECK(serialized == json{{"class_name", "L1L2"}, {"config", {{"l1", 0.25}, {"l2", 0.5}}}});
    const auto restored = kx::regularizers::deserialize(serialized);
    REQUIRE(restored);
    CHECK(restored->class_name() == "L1L2");
    CHECK(restored->get_config() == l1l2->get_config());
    CHECK((*restored)(sample()).item() == Approx(0.25 * 3.75 + 0.5 * 5.3125));

    for (const std::shared_ptr<kx::Regularizer>& r :
         {std::shared_ptr<kx::Regularizer>(std::make_shared<kx::regularizers::L1>(0.03)),
          std::shared_ptr<kx::Regularizer>(std::make_shared<kx::regularizers::L2>(0.04))}) {
        const auto copy = kx::regularizers::deserialize(kx::regularizers::serialize(r));
        CHECK(kx::regularizers::serialize(copy) == kx::regularizers::serialize(r));
    }

    CHECK(kx::regularizers::serialize(nullptr).is_null());
    CHECK(kx::regularizers::deserialize(json()) == nullptr);
    // Keras 3 writes "module" and "registered_name" too; they are ignored.
    const auto keras = kx::regularizers::deserialize(
        json{{"module", "keras.regularizers"}, {"class_name", "L2"}, {"config", {{"l2", 0.2}}}, {"registered_name", nullptr}});
    CHECK(keras->get_config() == json{{"l2", 0.2}});
}

TEST_CASE("regularizers::deserialize names the defect in bad configs", "[regularization]") {
    using kx::regularizers::deserialize;
    REQUIRE_THROWS_WITH(deserialize(json{{"class_name", "L3"}, {"config", json::object()}}),
                        Contains("'L3'") && Contains("L1, L1L2, L2"));
    REQUIRE_THROWS_WITH(deserialize(json{{"class_name", "L2"}, {"config", {{"l1", 0.1}}}}),
                        Contains("unknown argument 'l1' for L2") && Contains("expected: l2"));
    REQUIRE_THROWS_WITH(deserialize(json{{"class_name", "L2"}, {"config", {{"l2", "big"}}}}),
                        Contains("expected a number for 'l2'") && Contains("\"big\""));
    REQUIRE_THROWS_WITH(deserialize(json(3)), Contains("class_name") && Contains("got 3"));
}
