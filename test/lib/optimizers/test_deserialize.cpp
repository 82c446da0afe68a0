#include "optimizer_steps.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>

using namespace optimizer_test;
namespace opt = kx::optimizers;
namespace schedules = kx::optimizers::schedules;

namespace {

nlohmann::json serialized(const kx::Optimizer& optimizer) {
    return {{"class_name", optimizer.class_name()}, {"config", optimizer.get_config()}};
}

// Four updates of a (3, 50) variable (SIMD lanes and the tail) with gradients that vary per step.
std::vector<float> after_steps(kx::Optimizer& optimizer) {
    std::vector<float> start(150);
    for (std::size_t i = 0; i < start.size(); ++i) start[i] = 0.02f * static_cast<float>(i % 37) - 0.3f;
    kx::Variable w("dense/kernel", kx::Tensor({3, 50}, start));
    for (int step = 0; step < 4; ++step) {
        std::vector<double> g(start.size());
        for (std::size_t i = 0; i < g.size(); ++i) g[i] = 0.1 * std::sin(0.3 * static_cast<double>(i) + step) + 0.01 * step;
        set_grad(w, g);
        optimizer.apply_gradients({w});
    }
    return w.to_vector();
}

}  // namespace

TEST_CASE("optimizers::deserialize restores every optimizer with every non-default argument", "[optimizers][config4]") {
    const std::vector<std::function<std::shared_ptr<kx::Optimizer>()>> makers = {
        [] {
            return std::make_shared<opt::SGD>(opt::SGD::Options{
                .learning_rate = 0.05, .momentum = 0.8, .nesterov = true, .clipnorm = 0.5, .name = "my_sgd"});
        },
        [] {
            return std::make_shared<opt::RMSprop>(opt::RMSprop::Options{.learning_rate = 0.003,
                                                                       .rho = 0.8,
                                                                       .momentum = 0.5,
                                                                       .epsilon = 1e-5,
                                                                       .centered = true,
                                                                       .weight_decay = 0.01,
                                                                       .clipvalue = 0.05});
        },
        [] {
            return std::make_shared<opt::Adam>(opt::Adam::Options{
                .learning_rate = schedules::ExponentialDecay(0.01, 2, 0.5, true),
                .beta_1 = 0.8,
                .beta_2 = 0.99,
                .epsilon = 1e-6,
                .amsgrad = true,
                .global_clipnorm = 0.7});
        },
        [] {
            return std::make_shared<opt::AdamW>(opt::AdamW::Options{.learning_rate = schedules::CosineDecay(
                                                                         {.initial_learning_rate = 0.0,
                                                                          .decay_steps = 10,
                                                                          .warmup_target = 0.01,
                                                                          .warmup_steps = 2}),
                                                                     .weight_decay = 0.05,
                                                                     .beta_1 = 0.85,
                                                                     .amsgrad = true,
                                                                     .name = "w"});
        },
        [] {
            return std::make_shared<opt::Adadelta>(
                opt::Adadelta::Options{.learning_rate = 1.0, .rho = 0.9, .epsilon = 1e-6, .clipnorm = 0.2});
        },
        [] {
            return std::make_shared<opt::Adagrad>(opt::Adagrad::Options{
                .learning_rate = schedules::PiecewiseConstantDecay({1, 2}, {0.1, 0.05, 0.01}),
                .initial_accumulator_value = 0.3,
                .epsilon = 1e-5,
                .weight_decay = 0.02});
        },
        [] {
            return std::make_shared<opt::Adamax>(
                opt::Adamax::Options{.learning_rate = 0.02, .beta_1 = 0.7, .beta_2 = 0.95, .epsilon = 1e-4});
        },
        [] {
            return std::make_shared<opt::Nadam>(opt::Nadam::Options{
                .learning_rate = schedules::InverseTimeDecay(0.01, 1, 0.5),
                .beta_1 = 0.85,
                .beta_2 = 0.98,
                .epsilon = 1e-6,
                .global_clipnorm = 1.0});
        },
    };
    REQUIRE(makers.size() == 8);   // every optimizer of optimizers.hpp
    for (const auto& make : makers) {
        std::shared_ptr<kx::Optimizer> original = make();
        INFO(original->class_name());
        // Through the JSON text too, as a model file stores it.
        const nlohmann::json config = nlohmann::json::parse(serialized(*original).dump());
        std::shared_ptr<kx::Optimizer> copy = opt::deserialize(config);
        CHECK(copy->class_name() == original->class_name());
        CHECK(copy->name() == original->name());
        CHECK(copy->get_config() == original->get_config());
        CHECK(after_steps(*copy) == after_steps(*original));   // bit-identical
    }
}

TEST_CASE("optimizers::deserialize reads Keras' lowercase names, identifiers and missing arguments as defaults",
          "[optimizers][config4]") {
    CHECK(opt::deserialize("rmsprop")->class_name() == "RMSprop");
    const auto adam = opt::deserialize({{"class_name", "adam"}, {"config", {{"learning_rate", 0.5}}}});
    CHECK(adam->class_name() == "Adam");
    CHECK(adam->learning_rate() == 0.5);
    CHECK(adam->get_config()["beta_2"] == 0.999);
    // Keras 3's full form, with module and registered_name.
    const auto sgd = opt::deserialize({{"module", "keras.optimizers"},
                                       {"class_name", "SGD"},
                                       {"config", opt::SGD(0.1).get_config()},
                                       {"registered_name", nullptr}});
    CHECK(sgd->learning_rate() == Approx(0.1).epsilon(1e-12));
}

TEST_CASE("optimizers::deserialize names the optimizer and the key of a bad config", "[optimizers][config4]") {
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "Adamm"}, {"config", nlohmann::json::object()}}),
                        Catch::Contains("'Adamm'") && Catch::Contains("Adadelta, Adagrad, Adam, Adamax, AdamW") &&
                            Catch::Contains("SGD"));
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "Adam"}, {"config", {{"momentum", 0.9}}}}),
                        Catch::Contains("unknown argument 'momentum' for Adam") && Catch::Contains("beta_1"));
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "SGD"}, {"config", {{"momentum", "high"}}}}),
                        Catch::Contains("expected a number for 'momentum' of SGD") && Catch::Contains("\"high\""));
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "SGD"}, {"config", {{"learning_rate", "fast"}}}}),
                        Catch::Contains("'learning_rate' of SGD"));
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "Nadam"}, {"config", {{"use_ema", true}}}}),
                        Catch::Contains("Nadam") && Catch::Contains("'use_ema' is not supported"));
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "AdamW"}, {"config", {{"weight_decay", nullptr}}}}),
                        Catch::Contains("'weight_decay' of AdamW"));
    // The constructors' own checks still apply.
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "Adam"}, {"config", {{"beta_1", 1.5}}}}),
                        Catch::Contains("beta_1") && Catch::Contains("1.5"));
    REQUIRE_THROWS_WITH(opt::deserialize({{"class_name", "SGD"},
                                          {"config", {{"learning_rate", {{"class_name", "Cosine"}, {"config", nlohmann::json::object()}}}}}}),
                        Catch::Contains("unknown learning rate schedule 'Cosine'"));
}
