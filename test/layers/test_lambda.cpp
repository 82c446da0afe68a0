#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

using Catch::Matchers::Contains;

TEST_CASE("A Lambda layer runs a C++ function inside the graph and infers its shape", "[lambda]") {
    const kx::SymbolicTensor a = kx::Input({3});
    const kx::SymbolicTensor b = kx::Input({3});
    const kx::SymbolicTensor doubled = kx::layers::Lambda([](const kx::Tensor& x) { return x * 2.0f; })(a);
    const kx::SymbolicTensor diff = kx::layers::Lambda([](const kx::Tensors& xs) { return xs[0] - xs[1]; })({doubled, b});
    const kx::SymbolicTensor total = kx::layers::Lambda([](const kx::Tensor& x) { return kx::ops::sum(x, {1}, true); })(diff);
    CHECK(total.shape() == kx::Shape{kx::None, 1});
    kx::Model model({a, b}, {total});
    const kx::Tensor y = model.predict({kx::Tensor({1, 3}, {1, 2, 3}), kx::Tensor({1, 3}, {1, 1, 1})});
    check_values(y, {1, 1}, {9}, 1e-6);   // 2 + 4 + 6 - 3

    const auto fails = [](const kx::Tensor& x) -> kx::Tensor {
        if (x.shape()[0] < 2) throw kx::Error("needs two rows");
        return x;
    };
    REQUIRE_THROWS_WITH(kx::layers::Lambda(fails, {.name = "needs_two"})(a),
                        Contains("Lambda 'needs_two': could not infer the output shape for input shape (None, 3)") &&
                            Contains("needs two rows") && Contains("output_shape"));
    const kx::SymbolicTensor given = kx::layers::Lambda(fails, {.output_shape = kx::Shape{3}})(a);
    CHECK(given.shape() == kx::Shape{kx::None, 3});
}

TEST_CASE("A Lambda cannot be rebuilt from its config, and says why", "[lambda]") {
    kx::layers::Lambda lambda([](const kx::Tensor& x) { return x; });
    const nlohmann::json config = {{"class_name", lambda.class_name()}, {"config", lambda.get_config()}};
    CHECK(config["config"]["function"] == "<C++ callable>");
    REQUIRE_THROWS_WITH(kx::layers::deserialize(config), Contains("a Lambda holds C++ code, which a config cannot carry"));
    REQUIRE_THROWS_WITH(kx::layers::Lambda(kx::layers::Lambda::Function{}), Contains("Lambda: expected a callable"));
}
