#include <nlohmann/json.hpp>

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {
void check_values(const kx::Tensor& got, const std::vector<float>& expected, double tolerance = 1e-6) {
    const std::vector<float> values = got.to_vector();
    REQUIRE(values.size() == expected.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        INFO("element " << i);
        CHECK(values[i] == Approx(expected[i]).margin(tolerance));
    }
}
}  // namespace

// Expected values: Keras 3's formulas evaluated in numpy, w * desired / (1e-7 + norm).
TEST_CASE("MaxNorm rescales only the slices whose norm exceeds max_value", "[regularization]") {
    // Columns (axis 0, a Dense kernel's incoming weights): (3, 4) has norm 5, (0.6, 0.8) norm 1.
    const kx::Tensor w({2, 2}, {3.0f, 0.6f, 4.0f, 0.8f});
    check_values(kx::constraints::MaxNorm({.max_value = 2.0})(w), {1.2f, 0.6f, 1.6f, 0.8f});
    // Rows (axis 1): norms 3.0594 and 4.0792, both rescaled to 2.
    const std::vector<float> rows{1.9611614f, 0.3922323f, 1.9611614f, 0.3922323f};
    check_values(kx::constraints::MaxNorm({.max_value = 2.0, .axis = 1})(w), rows);
    check_values(kx::constraints::MaxNorm({.max_value = 2.0, .axis = -1})(w), rows);
}

TEST_CASE("NonNeg clips negative weights to zero", "[regularization]") {
    check_values(kx::constraints::NonNeg()(kx::Tensor({4}, {-1.0f, 0.0f, 2.5f, -0.1f})), {0.0f, 0.0f, 2.5f, 0.0f});
}

TEST_CASE("UnitNorm scales each slice to unit norm, along a middle axis too", "[regularization]") {
    check_values(kx::constraints::UnitNorm()(kx::Tensor({2, 2}, {3.0f, 0.3f, 4.0f, 0.4f})), {0.6f, 0.6f, 0.8f, 0.8f});
    // arange(8) as (2, 2, 2), norms along axis 1; numpy: w / (1e-7 + sqrt(sum(w^2, axis=1)))
    check_values(kx::constraints::UnitNorm({.axis = 1})(kx::Tensor::arange(8).reshaped({2, 2, 2})),
                 {0.0f, 0.31622776f, 1.0f, 0.94868326f, 0.5547002f, 0.5812382f, 0.8320503f, 0.81373346f});
}

TEST_CASE("MinMaxNorm moves norms into [min_value, max_value] at the given rate", "[regularization]") {
    // Column norms 5 and 0.5; rate 0.5: desired = 0.5 * clip(norm, 1, 2) + 0.5 * norm = 3.5 and 0.75.
    const kx::Tensor w({2, 2}, {3.0f, 0.3f, 4.0f, 0.4f});
    check_values(kx::constraints::MinMaxNorm({.min_value = 1.0, .max_value = 2.0, .rate = 0.5})(w),
                 {2.1f, 0.45f, 2.8f, 0.6f});
    // rate 1: strictly inside the bounds.
    check_values(kx::constraints::MinMaxNorm({.min_value = 1.0, .max_value = 2.0})(w), {1.2f, 0.6f, 1.6f, 0.8f});
}

TEST_CASE("Constraints return new tensors, not recorded for autograd", "[regularization]") {
    kx::Variable w("w", kx::Tensor({2}, {-1.0f, 1.0f}));
    const kx::Tensor projected = kx::constraints::NonNeg()(w);
    CHECK_FALSE(projected.requires_grad());
    CHECK(w.to_vector() == std::vector<float>{-1.0f, 1.0f});
    CHECK_FALSE(kx::constraints::MaxNorm()(w).requires_grad());
}

TEST_CASE("Constraint::get knows Keras' string identifiers and class names", "[regularization]") {
    CHECK(kx::Constraint::get("max_norm")->get_config() == json{{"max_value", 2.0}, {"axis", 0}});
    CHECK(kx::Constraint::get("non_neg")->class_name() == "NonNeg");
    CHECK(kx::Constraint::get("unit_norm")->get_config() == json{{"axis", 0}});
    CHECK(kx::Constraint::get("min_max_norm")->get_config() ==
          json{{"min_value", 0.0}, {"max_value", 1.0}, {"rate", 1.0}, {"axis", 0}});
    CHECK(kx::Constraint::get("MinMaxNorm")->class_name() == "MinMaxNorm");
    kx::Handle<kx::Constraint> from_string = "non_neg";
    CHECK(from_string->class_name() == "NonNeg");
}

TEST_CASE("Constraints reject unknown identifiers, bad options and out-of-range axes", "[regularization]") {
    REQUIRE_THROWS_WITH(kx::Constraint::get("maxnorm"),
                        Contains("constraint identifier: 'maxnorm'") && Contains("max_norm") && Contains("non_neg"));
    REQUIRE_THROWS_WITH(kx::constraints::MaxNorm({.max_value = -1.0}), Contains("MaxNorm") && Contains("max_value=-1"));
    REQUIRE_THROWS_WITH(kx::constraints::MinMaxNorm({.min_value = 2.0, .max_value = 1.0}),
                        Contains("min_value <= max_value") && Contains("min_value=2"));
    REQUIRE_THROWS_WITH(kx::constraints::MinMaxNorm({.rate = 1.5}), Contains("rate=1.5"));
    REQUIRE_THROWS_WITH(kx::constraints::MaxNorm({.axis = 2})(kx::Tensor({2, 3})),
                        Contains("MaxNorm") && Contains("axis 2") && Contains("(2, 3)"));
    REQUIRE_THROWS_WITH(kx::constraints::UnitNorm({.axis = -3})(kx::Tensor({2, 3})), Contains("axis -3"));
}

TEST_CASE("Constraint configs round trip through serialize and deserialize", "[regularization]") {
    const std::vector<std::shared_ptr<kx::Constraint>> constraints{
        std::make_shared<kx::constraints::MaxNorm>(kx::constraints::MaxNormOptions{.max_value = 3.0, .axis = 1}),
        std::make_shared<kx::constraints::NonNeg>(),
        std::make_shared<kx::constraints::UnitNorm>(kx::constraints::UnitNormOptions{.axis = -1}),
        std::make_shared<kx::constraints::MinMaxNorm>(
            kx::constraints::MinMaxNormOptions{.min_value = 0.5, .max_value = 1.5, .rate = 0.25, .axis = 1})};
    for (const auto& c : constraints) {
        const json serialized = kx::constraints::serialize(c);
        const auto copy = kx::constraints::deserialize(serialized);
        REQUIRE(copy);
        CHECK(copy->class_name() == c->class_name());
        CHECK(kx::constraints::serialize(copy) == serialized);
    }
    CHECK(kx::constraints::serialize(constraints[0]) ==
          json{{"class_name", "MaxNorm"}, {"config", {{"max_value", 3.0}, {"axis", 1}}}});
    CHECK(kx::constraints::serialize(constraints[1]) == json{{"class_name", "NonNeg"}, {"config", json::object()}});
    CHECK(kx::constraints::serialize(nullptr).is_null());
    CHECK(kx::constraints::deserialize(json()) == nullptr);
    // Keras may write a one-element list of axes.
    CHECK(kx::constraints::deserialize(json{{"class_name", "UnitNorm"}, {"config", {{"axis", {1}}}}})->get_config() ==
          json{{"axis", 1}});
}

TEST_CASE("constraints::deserialize names the defect in bad configs", "[regularization]") {
    using kx::constraints::deserialize;
    REQUIRE_THROWS_WITH(deserialize(json{{"class_name", "MaxNorm"}, {"config", {{"axis", {0, 1, 2}}}}}),
                        Contains("integer axis") && Contains("[0,1,2]"));
    REQUIRE_THROWS_WITH(deserialize(json{{"class_name", "NonNeg"}, {"config", {{"axis", 0}}}}),
                        Contains("unknown argument 'axis' for NonNeg"));
    REQUIRE_THROWS_WITH(deserialize(json{{"class_name", "Clip"}}), Contains("'Clip'") && Contains("MaxNorm"));
    REQUIRE_THROWS_WITH(deserialize(json{{"class_name", "MaxNorm"}, {"config", {{"max_value", "2"}}}}),
                        Contains("expected a number for 'max_value'"));
}
