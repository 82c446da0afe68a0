#include "layer_test.hpp"

using Catch::Matchers::Contains;

TEST_CASE("Flatten passes the layer harness", "[layers][flatten]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Flatten()); },
                    .input_shape = {2, 3, 4},
                    .expected_output_shape = {2, 12}});
}

TEST_CASE("Flatten keeps row-major order", "[layers][flatten]") {
    kx::layers::Flatten flatten;
    const kx::Tensor y = flatten(kx::Tensor({1, 2, 2}, {1, 2, 3, 4}));
    CHECK(y.shape() == kx::Shape{1, 4});
    CHECK(y.to_vector() == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("Reshape passes the layer harness, with and without an inferred dimension", "[layers][reshape]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Reshape({3, 4})); },
                    .input_shape = {2, 12},
                    .expected_output_shape = {2, 3, 4}});
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Reshape({kx::None, 2})); },
                    .input_shape = {2, 3, 4},
                    .expected_output_shape = {2, 6, 2}});
}

TEST_CASE("Reshape rejects impossible targets with both shapes", "[layers][reshape]") {
    kx::layers::Reshape reshape({5, 5});
    REQUIRE_THROWS_WITH(reshape(kx::Tensor({2, 12})), Contains("(None, 12)") && Contains("(5, 5)"));
    REQUIRE_THROWS_WITH(kx::layers::Reshape({kx::None, kx::None}), Contains("at most one"));
}
