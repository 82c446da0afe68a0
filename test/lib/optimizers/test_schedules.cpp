// Expected values come from Keras' formulas (keras/src/optimizers/schedules/learning_rate_schedule.py)
// evaluated in double precision with Python's math module, or by hand where noted.
#include "optimizer_steps.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

using namespace kx::optimizers::schedules;
using namespace optimizer_test;
using kx::optimizers::SGD;

namespace {

using Expected = std::vector<std::pair<std::int64_t, double>>;

void check_schedule(const LearningRateSchedule& schedule, const Expected& expected) {
    for (const auto& [step, value] : expected) {
        INFO(schedule.class_name() << " at step " << step);
        CHECK(schedule(step) == Approx(value).epsilon(1e-12).margin(1e-15));
    }
}

// serialize -> deserialize gives the same class, config and values.
void check_round_trip(const LearningRateSchedule& schedule, const Expected& expected) {
    const nlohmann::json serialized = serialize(schedule);
    CHECK(serialized["module"] == "keras.optimizers.schedules");
    CHECK(serialized["class_name"] == schedule.class_name());
    const std::shared_ptr<LearningRateSchedule> restored = deserialize(serialized);
    REQUIRE(restored);
    CHECK(restored->class_name() == schedule.class_name());
    CHECK(restored->get_config() == schedule.get_config());
    check_schedule(*restored, expected);
}

// An optimizer with the schedule as learning_rate reports the schedule's value at its iteration count.
void check_in_optimizer(const std::shared_ptr<LearningRateSchedule>& schedule, const Expected& expected) {
    kx::optimizers::SGD sgd({.learning_rate = schedule});
    for (const auto& [step, value] : expected) {
        sgd.set_iterations(step);
        INFO(schedule->class_name() << " at iteration " << step);
        CHECK(sgd.learning_rate() == Approx(value).epsilon(1e-12).margin(1e-15));
    }
    CHECK(sgd.get_config()["learning_rate"]["class_name"] == schedule->class_name());
}

}  // namespace

TEST_CASE("PiecewiseConstantDecay takes values[i] up to and including boundaries[i]", "[schedules]") {
    const PiecewiseConstantDecay schedule({10, 20}, {1.0, 0.5, 0.1});
    // By hand: step <= 10 -> 1.0, 10 < step <= 20 -> 0.5, step > 20 -> 0.1.
    const Expected expected = {{0, 1.0}, {10, 1.0}, {11, 0.5}, {20, 0.5}, {21, 0.1}, {1000, 0.1}};
    check_schedule(schedule, expected);
    CHECK(schedule.get_config() ==
          nlohmann::json{{"boundaries", {10, 20}}, {"values", {1.0, 0.5, 0.1}}, {"name", "PiecewiseConstant"}});
    check_round_trip(schedule, expected);
    check_in_optimizer(std::make_shared<PiecewiseConstantDecay>(schedule), expected);

    REQUIRE_THROWS_WITH(PiecewiseConstantDecay({10, 20}, {1.0, 0.5}),
                        Catch::Contains("PiecewiseConstantDecay") && Catch::Contains("one more value than boundaries") &&
                            Catch::Contains("2 boundaries and 2 values"));
    REQUIRE_THROWS_WITH(PiecewiseConstantDecay({20, 10}, {1.0, 0.5, 0.1}),
                        Catch::Contains("strictly increasing") && Catch::Contains("boundaries[1]=10"));
}

TEST_CASE("PolynomialDecay reaches end_learning_rate at decay_steps, or restarts with cycle", "[schedules]") {
    const PolynomialDecay sqrt_decay(0.1, 10, 0.01, 0.5);
    // (0.1 - 0.01) * (1 - min(s, 10) / 10)^0.5 + 0.01
    const Expected expected = {{0, 0.1}, {3, 0.08529940238806681}, {10, 0.01}, {15, 0.01}};
    check_schedule(sqrt_decay, expected);
    check_round_trip(sqrt_decay, expected);
    check_in_optimizer(std::make_shared<PolynomialDecay>(sqrt_decay), expected);

    const PolynomialDecay cycling({.initial_learning_rate = 0.1, .decay_steps = 10, .end_learning_rate = 0.01,
                                   .power = 2.0, .cycle = true});
    // decay_steps * ceil(s / 10) (10 at s = 0): s = 11 decays over 20 steps, s = 25 over 30.
    const Expected cycled = {{0, 0.1}, {5, 0.0325}, {10, 0.01}, {11, 0.028225}, {25, 0.0125}};
    check_schedule(cycling, cycled);
    check_round_trip(cycling, cycled);

    CHECK(PolynomialDecay(0.1, 10).get_config() == nlohmann::json{{"initial_learning_rate", 0.1},
                                                                   {"decay_steps", 10},
                                                                   {"end_learning_rate", 1e-4},
                                                                   {"power", 1.0},
                                                                   {"cycle", false},
                                                                   {"name", "PolynomialDecay"}});
    REQUIRE_THROWS_WITH(PolynomialDecay(0.1, 0),
                        Catch::Contains("PolynomialDecay") && Catch::Contains("decay_steps > 0") &&
                            Catch::Contains("decay_steps=0"));
}

TEST_CASE("InverseTimeDecay divides by 1 + decay_rate * step / decay_steps, floored with staircase", "[schedules]") {
    const InverseTimeDecay smooth(0.1, 4, 0.5);
    const Expected expected = {{0, 0.1}, {3, 0.07272727272727274}, {8, 0.05}};   // 0.1 / (1 + 0.5 * s / 4)
    check_schedule(smooth, expected);
    check_round_trip(smooth, expected);
    check_in_optimizer(std::make_shared<InverseTimeDecay>(smooth), expected);

    const InverseTimeDecay stairs({.initial_learning_rate = 0.1, .decay_steps = 4, .decay_rate = 0.5, .staircase = true});
    const Expected stepped = {{3, 0.1}, {4, 0.06666666666666667}, {9, 0.05}};   // 0.1 / (1 + 0.5 * floor(s / 4))
    check_schedule(stairs, stepped);
    check_round_trip(stairs, stepped);
    CHECK(stairs.get_config() == nlohmann::json{{"initial_learning_rate", 0.1},
                                                {"decay_steps", 4},
                                                {"decay_rate", 0.5},
                                                {"staircase", true},
                                                {"name", "InverseTimeDecay"}});
    REQUIRE_THROWS_WITH(InverseTimeDecay(0.1, -1, 0.5),
                        Catch::Contains("InverseTimeDecay") && Catch::Contains("decay_steps=-1"));
}

TEST_CASE("CosineDecay follows half a cosine down to alpha * initial_learning_rate", "[schedules]") {
    const CosineDecay schedule(0.1, 10, 0.1);
    // 0.1 * (0.9 * 0.5 * (1 + cos(pi * min(s, 10) / 10)) + 0.1)
    const Expected expected = {{0, 0.1}, {3, 0.08145033635316129}, {5, 0.055}, {10, 0.01}, {20, 0.01}};
    check_schedule(schedule, expected);
    check_round_trip(schedule, expected);
    check_in_optimizer(std::make_shared<CosineDecay>(schedule), expected);
    CHECK(schedule.get_config() == nlohmann::json{{"initial_learning_rate", 0.1},
                                                  {"decay_steps", 10},
                                                  {"alpha", 0.1},
                                                  {"name", "CosineDecay"},
                                                  {"warmup_target", nullptr},
                                                  {"warmup_steps", 0}});
    REQUIRE_THROWS_WITH(CosineDecay(0.1, 0), Catch::Contains("CosineDecay") && Catch::Contains("decay_steps=0"));
    REQUIRE_THROWS_WITH(CosineDecay(0.1, 10, 0.0, 0.2, -3), Catch::Contains("warmup_steps >= 0") &&
                                                                 Catch::Contains("warmup_steps=-3"));
}

TEST_CASE("CosineDecay with warmup rises linearly to warmup_target, then decays from it", "[schedules]") {
    const CosineDecay schedule({.initial_learning_rate = 0.0, .decay_steps = 10, .warmup_target = 0.2, .warmup_steps = 4});
    // Warmup: 0.2 * s / 4 for s < 4; then 0.2 * 0.5 * (1 + cos(pi * (min(s, 14) - 4) / 10)).
    const Expected expected = {{0, 0.0}, {1, 0.05}, {4, 0.2}, {7, 0.15877852522924732}, {14, 0.0}, {30, 0.0}};
    check_schedule(schedule, expected);
    check_round_trip(schedule, expected);
    check_in_optimizer(std::make_shared<CosineDecay>(schedule), expected);
    CHECK(schedule.get_config()["warmup_target"] == 0.2);
    CHECK(schedule.get_config()["warmup_steps"] == 4);
}

TEST_CASE("CosineDecayRestarts restarts after first_decay_steps * t_mul^i at m_mul^i of the rate", "[schedules]") {
    const CosineDecayRestarts geometric({.initial_learning_rate = 0.1, .first_decay_steps = 10, .t_mul = 2.0,
                                         .m_mul = 0.5, .alpha = 0.1});
    // Periods [0, 10), [10, 30), [30, 70): restart i at fraction f has
    // 0.1 * (0.9 * 0.5^i * 0.5 * (1 + cos(pi * f)) + 0.1); e.g. s = 10 by hand: 0.1 * (0.9 * 0.5 + 0.1).
    const Expected expected = {{0, 0.1},
                               {5, 0.055},
                               {10, 0.055},
                               {15, 0.04840990257669732},
                               {25, 0.016590097423302683},
                               {30, 0.0325},
                               {40, 0.029204951288348657}};
    check_schedule(geometric, expected);
    check_round_trip(geometric, expected);
    check_in_optimizer(std::make_shared<CosineDecayRestarts>(geometric), expected);

    const CosineDecayRestarts equal_periods(0.1, 10, 1.0, 0.5);
    const Expected periodic = {{0, 0.1}, {5, 0.05}, {10, 0.05}, {12, 0.04522542485937369}, {20, 0.025}};
    check_schedule(equal_periods, periodic);
    check_round_trip(equal_periods, periodic);

    CHECK(CosineDecayRestarts(0.1, 10).get_config() == nlohmann::json{{"initial_learning_rate", 0.1},
                                                                       {"first_decay_steps", 10},
                                                                       {"t_mul", 2.0},
                                                                       {"m_mul", 1.0},
                                                                       {"alpha", 0.0},
                                                                       {"name", "SGDRDecay"}});
    REQUIRE_THROWS_WITH(CosineDecayRestarts(0.1, 0),
                        Catch::Contains("CosineDecayRestarts") && Catch::Contains("first_decay_steps=0"));
    REQUIRE_THROWS_WITH(CosineDecayRestarts(0.1, 10, 0.0), Catch::Contains("t_mul > 0") && Catch::Contains("t_mul=0"));
}

TEST_CASE("A schedule drives the updates of an optimizer step by step", "[schedules]") {
    SGD sgd({.learning_rate = PiecewiseConstantDecay({0}, {0.1, 0.01})});
    auto w = variable(w0);
    run_steps(sgd, w, grads);
    // Update 0 (step 0 <= 0) uses 0.1, update 1 uses 0.01.
    std::vector<double> expected = w0;
    for (std::size_t i = 0; i < 3; ++i) expected[i] -= 0.1 * grads[0][i] + 0.01 * grads[1][i];
    check_values(w, expected);
}

TEST_CASE("schedules::deserialize reads Keras configs and rejects bad ones", "[schedules]") {
    // Keras' own example config (name None means the default name).
    const auto poly = deserialize({{"class_name", "PolynomialDecay"},
                                   {"config",
                                    {{"cycle", false},
                                     {"decay_steps", 10000},
                                     {"end_learning_rate", 0.01},
                                     {"initial_learning_rate", 0.1},
                                     {"name", nullptr},
                                     {"power", 0.5}}}});
    CHECK(poly->class_name() == "PolynomialDecay");
    CHECK(poly->get_config()["name"] == "PolynomialDecay");
    CHECK((*poly)(10000) == Approx(0.01));

    const auto exponential = deserialize(serialize(ExponentialDecay(0.1, 10, 0.5, true)));
    CHECK(exponential->class_name() == "ExponentialDecay");
    CHECK((*exponential)(25) == Approx(0.025));   // by hand: 0.1 * 0.5^2

    REQUIRE_THROWS_WITH(deserialize({{"class_name", "StepDecay"}, {"config", nlohmann::json::object()}}),
                        Catch::Contains("unknown learning rate schedule 'StepDecay'") &&
                            Catch::Contains("CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, "
                                            "PiecewiseConstantDecay, PolynomialDecay"));
    REQUIRE_THROWS_WITH(deserialize(nlohmann::json("cosine")), Catch::Contains("schedules::deserialize: expected {"));
    REQUIRE_THROWS_WITH(deserialize({{"class_name", "CosineDecay"}, {"config", {{"initial_learning_rate", 0.1}}}}),
                        Catch::Contains("missing required argument 'decay_steps' for CosineDecay"));
    REQUIRE_THROWS_WITH(
        deserialize({{"class_name", "CosineDecay"}, {"config", {{"initial_learning_rate", 0.1}, {"decay_steps", 10}, {"beta", 1}}}}),
        Catch::Contains("unknown argument 'beta' for CosineDecay") && Catch::Contains("warmup_target"));
    REQUIRE_THROWS_WITH(
        deserialize({{"class_name", "InverseTimeDecay"},
                     {"config", {{"initial_learning_rate", 0.1}, {"decay_steps", 10}, {"decay_rate", "fast"}}}}),
        Catch::Contains("expected a number for 'decay_rate' of InverseTimeDecay") && Catch::Contains("\"fast\""));
    REQUIRE_THROWS_WITH(
        deserialize({{"class_name", "PiecewiseConstantDecay"}, {"config", {{"boundaries", {1, "x"}}, {"values", {1, 2, 3}}}}}),
        Catch::Contains("expected a list of numbers for 'boundaries'"));
    // The constructors' own checks apply to deserialized configs too.
    REQUIRE_THROWS_WITH(deserialize({{"class_name", "PolynomialDecay"},
                                     {"config", {{"initial_learning_rate", 0.1}, {"decay_steps", 0}}}}),
                        Catch::Contains("decay_steps=0"));
}
