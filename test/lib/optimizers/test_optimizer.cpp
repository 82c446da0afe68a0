#include "optimizer_steps.hpp"

#include <cmath>

using namespace optimizer_test;
using kx::optimizers::Adam;
using kx::optimizers::SGD;

TEST_CASE("clipnorm rescales each gradient whose L2 norm exceeds it, separately", "[optimizers]") {
    SGD sgd({.learning_rate = 1.0, .clipnorm = 0.5});
    auto a = variable({0.0, 0.0, 0.0}, "a");
    auto b = variable({0.0, 0.0}, "b");
    set_grad(a, {3.0, 4.0, 0.0});   // norm 5: scaled by 0.5 / 5
    set_grad(b, {0.1, 0.2});        // norm 0.22 < 0.5: unchanged
    sgd.apply_gradients({a, b});
    check_values(a, {-0.3, -0.4, 0.0});
    check_values(b, {-0.1, -0.2});
    check_values(a.grad(), {3.0, 4.0, 0.0});   // the accumulated gradient itself is left alone
}

TEST_CASE("global_clipnorm rescales all gradients by their joint norm", "[optimizers]") {
    SGD sgd({.learning_rate = 1.0, .global_clipnorm = 1.3});
    auto a = variable({0.0, 0.0}, "a");
    auto b = variable({0.0}, "b");
    set_grad(a, {3.0, 4.0});
    set_grad(b, {12.0});   // joint norm sqrt(9 + 16 + 144) = 13: every gradient times 1.3 / 13
    sgd.apply_gradients({a, b});
    check_values(a, {-0.3, -0.4});
    check_values(b, {-1.2});

    set_grad(a, {0.3, 0.4});
    set_grad(b, {1.2});    // joint norm 1.3: not above the limit, unchanged
    sgd.apply_gradients({a, b});
    check_values(a, {-0.6, -0.8});
    check_values(b, {-2.4});
}

TEST_CASE("clipvalue clips each gradient element to [-clipvalue, clipvalue]", "[optimizers]") {
    SGD sgd({.learning_rate = 1.0, .clipvalue = 1.0});
    auto w = variable({0.0, 0.0, 0.0});
    set_grad(w, {0.3, -2.0, 5.0});
    sgd.apply_gradients({w});
    check_values(w, {-0.3, 1.0, -1.0});
}

TEST_CASE("weight_decay shrinks weights by lr * weight_decay before the update", "[optimizers]") {
    SGD sgd({.learning_rate = 0.1, .weight_decay = 0.2});
    auto w = variable(w0);
    run_steps(sgd, w, grads);
    std::vector<double> expected = w0;
    for (const auto& g : grads)
        for (std::size_t i = 0; i < 3; ++i) expected[i] = expected[i] - expected[i] * 0.2 * 0.1 - 0.1 * g[i];
    check_values(w, expected);
    CHECK(sgd.get_config()["weight_decay"] == 0.2);
}

TEST_CASE("ExponentialDecay decays continuously, or in stairs", "[optimizers]") {
    using kx::optimizers::schedules::ExponentialDecay;
    ExponentialDecay smooth(0.1, 10, 0.5);
    ExponentialDecay stairs({.initial_learning_rate = 0.1, .decay_steps = 10, .decay_rate = 0.5, .staircase = true});
    CHECK(smooth(0) == Approx(0.1));
    CHECK(smooth(5) == Approx(0.1 * std::sqrt(0.5)));
    CHECK(smooth(20) == Approx(0.025));
    CHECK(stairs(5) == Approx(0.1));
    CHECK(stairs(19) == Approx(0.05));
    const nlohmann::json config = stairs.get_config();
    CHECK(config == nlohmann::json{{"initial_learning_rate", 0.1}, {"decay_steps", 10}, {"decay_rate", 0.5},
                                   {"staircase", true}, {"name", "ExponentialDecay"}});
    REQUIRE_THROWS_WITH(ExponentialDecay(0.1, 0, 0.5), Catch::Contains("decay_steps > 0") && Catch::Contains("decay_steps=0"));
}

TEST_CASE("A schedule as learning rate is evaluated at the iteration count of each update", "[optimizers]") {
    using kx::optimizers::schedules::ExponentialDecay;
    SGD sgd({.learning_rate = ExponentialDecay(0.1, 10, 0.5)});
    auto w = variable(w0);
    run_steps(sgd, w, grads);
    std::vector<double> expected = w0;
    for (std::size_t step = 0; step < 2; ++step)
        for (std::size_t i = 0; i < 3; ++i) expected[i] -= 0.1 * std::pow(0.5, step / 10.0) * grads[step][i];
    check_values(w, expected);
    CHECK(sgd.learning_rate() == Approx(0.1 * std::pow(0.5, 0.2)));   // the rate of the next (third) update

    const nlohmann::json lr = sgd.get_config()["learning_rate"];
    CHECK(lr["class_name"] == "ExponentialDecay");
    CHECK(lr["module"] == "keras.optimizers.schedules");
    CHECK(lr["config"]["decay_steps"] == 10);
    REQUIRE_THROWS_WITH(sgd.set_learning_rate(0.5), Catch::Contains("cannot be set") && Catch::Contains("ExponentialDecay"));

    // A schedule can also be shared through a pointer.
    const auto shared = std::make_shared<ExponentialDecay>(0.2, 10, 0.5);
    CHECK(Adam({.learning_rate = shared}).learning_rate() == Approx(0.2));
    REQUIRE_THROWS_WITH(SGD({.learning_rate = std::shared_ptr<ExponentialDecay>()}), Catch::Contains("null"));
}

TEST_CASE("set_learning_rate changes the rate of the following updates", "[optimizers]") {
    SGD sgd(0.1);
    auto w = variable({1.0});
    set_grad(w, {1.0});
    sgd.apply_gradients({w});
    sgd.set_learning_rate(0.5);
    CHECK(sgd.learning_rate() == 0.5);
    CHECK(sgd.get_config()["learning_rate"] == 0.5);
    sgd.apply_gradients({w});
    check_values(w, {1.0 - 0.1 - 0.5});
    REQUIRE_THROWS_WITH(sgd.set_learning_rate(-1.0), Catch::Contains("learning_rate >= 0") && Catch::Contains("learning_rate=-1"));
}

TEST_CASE("Optimizer::get creates optimizers from Keras names and class names", "[optimizers]") {
    CHECK(kx::Optimizer::get("adam")->class_name() == "Adam");
    CHECK(kx::Optimizer::get("Adam")->class_name() == "Adam");
    CHECK(kx::Optimizer::get("RMSprop")->class_name() == "RMSprop");
    CHECK(kx::Optimizer::get("adamw")->class_name() == "AdamW");
    const auto sgd = kx::Optimizer::get("sgd");
    CHECK(sgd->class_name() == "SGD");
    CHECK(sgd->learning_rate() == Approx(0.01));
    for (const char* name : {"adadelta", "adagrad", "adamax", "nadam"}) CHECK(kx::Optimizer::get(name)->name() == name);
    kx::Handle<kx::Optimizer> handle = "nadam";
    CHECK(handle->class_name() == "Nadam");
    REQUIRE_THROWS_WITH(kx::Optimizer::get("adm"),
                        Catch::Contains("'adm'") &&
                            Catch::Contains("adadelta, adagrad, adam, adamax, adamw, nadam, rmsprop, sgd"));
}

TEST_CASE("Optimizers reject bad base options with the argument and its value", "[optimizers]") {
    REQUIRE_THROWS_WITH(Adam(-0.1), Catch::Contains("Adam 'adam'") && Catch::Contains("learning_rate >= 0") &&
                                        Catch::Contains("learning_rate=-0.1"));
    REQUIRE_THROWS_WITH(SGD({.clipnorm = 0.0}), Catch::Contains("clipnorm > 0") && Catch::Contains("clipnorm=0"));
    REQUIRE_THROWS_WITH(Adam({.clipnorm = 1.0, .clipvalue = 0.5}),
                        Catch::Contains("only one of clipnorm, clipvalue and global_clipnorm") &&
                            Catch::Contains("clipnorm=1, clipvalue=0.5, global_clipnorm=None"));
    REQUIRE_THROWS_WITH(Adam({.weight_decay = -0.5}), Catch::Contains("weight_decay >= 0"));
}

TEST_CASE("apply_gradients skips frozen variables and variables without a gradient", "[optimizers]") {
    SGD sgd(0.1);
    auto trained = variable({1.0}, "trained");
    auto frozen = variable({1.0}, "frozen");
    auto untouched = variable({1.0}, "untouched");
    set_grad(trained, {1.0});
    set_grad(frozen, {1.0});
    frozen.set_trainable(false);
    sgd.apply_gradients({trained, frozen, untouched});
    check_values(trained, {0.9});
    check_values(frozen, {1.0});
    check_values(untouched, {1.0});
    CHECK(sgd.iterations() == 1);

    sgd.apply_gradients({frozen});   // nothing trainable: nothing happens
    CHECK(sgd.iterations() == 1);
    REQUIRE_THROWS_WITH(sgd.apply_gradients({untouched}), Catch::Contains("no gradients provided for any variable"));
    REQUIRE_THROWS_WITH(sgd.apply_gradients({kx::Variable()}), Catch::Contains("undefined variable"));
}

TEST_CASE("Optimizer variables are each variable's slots, in first-seen order, built on demand", "[optimizers]") {
    Adam adam(0.1);
    auto a = variable({1.0, 2.0}, "dense/kernel");
    auto b = variable({3.0}, "dense/bias");
    adam.build({a, b});
    auto slots = adam.variables();
    REQUIRE(slots.size() == 4);
    CHECK(slots[0].name() == "dense_kernel_momentum");
    CHECK(slots[1].name() == "dense_kernel_velocity");
    CHECK(slots[2].name() == "dense_bias_momentum");
    CHECK(slots[3].name() == "dense_bias_velocity");
    CHECK_FALSE(slots[0].trainable());
    check_values(slots[1], {0.0, 0.0});

    set_grad(a, {0.5, -0.5});
    set_grad(b, {1.0});
    adam.apply_gradients({b, a});   // a different order does not move the slots
    slots = adam.variables();
    REQUIRE(slots.size() == 4);
    check_values(slots[0], {0.05, -0.05});   // m = (1 - 0.9) g
    check_values(slots[2], {0.1});
}

TEST_CASE("Update rules agree between SIMD lanes and the scalar tail on a large variable", "[optimizers]") {
    // 1003 elements: whole SIMD batches plus a scalar remainder, every element the same rule.
    const std::size_t n = 1003;
    std::vector<double> values(n), gradient(n);
    for (std::size_t i = 0; i < n; ++i) {
        values[i] = std::sin(0.1 * static_cast<double>(i));
        gradient[i] = std::cos(0.37 * static_cast<double>(i));
    }
    Adam adam({.learning_rate = 0.01});
    kx::Variable w = variable(values);
    set_grad(w, gradient);
    adam.apply_gradients({w});
    // First Adam step: m = 0.1 g, v = 0.001 g^2, lr_t = lr sqrt(0.001) / 0.1, so w -= lr * g / (|g| + eps / sqrt(0.001)).
    std::vector<double> expected(n);
    for (std::size_t i = 0; i < n; ++i)
        expected[i] = values[i] - 0.01 * gradient[i] / (std::abs(gradient[i]) + 1e-7 / std::sqrt(0.001));
    check_values(w, expected);
}

namespace {
// The custom optimizer of the header's example: sign descent, only the update rule written.
class SignSGD : public kx::Optimizer {
public:
    SignSGD() : Optimizer("SignSGD", "sign_sgd", 0.01, {}) {}

protected:
    void update_step(const float* g, float* w, std::size_t n, std::span<float* const>, double lr) override {
        for (std::size_t i = 0; i < n; ++i) w[i] -= static_cast<float>(lr) * static_cast<float>((g[i] > 0) - (g[i] < 0));
    }
};
}  // namespace

TEST_CASE("A custom optimizer writes only its update step", "[optimizers]") {
    SignSGD sign;
    auto w = variable({1.0, 1.0, 1.0});
    set_grad(w, {3.0, -0.2, 0.0});
    sign.apply_gradients({w});
    check_values(w, {0.99, 1.01, 1.0});
    CHECK(sign.get_config()["name"] == "sign_sgd");
    CHECK(sign.iterations() == 1);
}
