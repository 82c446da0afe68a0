#include "layer_test.hpp"

using Catch::Matchers::Contains;

TEST_CASE("Dropout passes the layer harness (identity outside training)", "[layers][dropout]") {
    run_layer_test({.make = [] { return kx::LayerHandle(kx::layers::Dropout(0.5f)); },
                    .input_shape = {4, 3},
                    .expected_output_shape = {4, 3}});
}

TEST_CASE("Dropout drops and rescales only when training", "[layers][dropout]") {
    kx::layers::Dropout dropout(0.5f);
    const kx::Tensor x = kx::Tensor::ones({100, 100});
    CHECK(dropout(x, false).to_vector() == x.to_vector());
    kx::utils::set_random_seed(3);
    const kx::Tensor y = dropout(x, true);
    std::size_t zeros = 0;
    for (float v : y.to_vector()) {
        CHECK((v == 0.0f || v == 2.0f));
        zeros += v == 0.0f;
    }
    CHECK(zeros > 4500);
    CHECK(zeros < 5500);
}

TEST_CASE("Dropout rejects rates outside [0, 1)", "[layers][dropout]") {
    REQUIRE_THROWS_WITH(kx::layers::Dropout(1.0f), Contains("[0, 1)") && Contains("rate=1"));
    REQUIRE_THROWS_WITH(kx::layers::Dropout(-0.1f), Contains("rate=-0.1"));
}
