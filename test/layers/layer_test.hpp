// The one harness every layer goes through (Keras' run_layer_test): build, call, output shape
// against compute_output_shape, weight count, config round trip through the registry, and a
// finite-difference gradient check of input and weights.
#pragma once

#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <nlohmann/json.hpp>

#include <functional>

struct LayerTestCase {
    std::function<kx::LayerHandle()> make;
    kx::Shape input_shape;             // concrete, batch included
    kx::Shape expected_output_shape;   // concrete, batch included
    std::size_t expected_weights = 0;
    std::size_t expected_params = 0;
    bool check_gradients = true;
};

inline kx::Tensor layer_test_input(const kx::Shape& shape) {
    kx::Tensor x = kx::Tensor::empty(shape);
    // Deterministic values in [-1, 1], away from 0 so relu-like kinks are not hit.
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = (static_cast<float>((i * 37) % 19) - 9.0f) / 9.0f + 0.05f;
    return x;
}

inline void run_layer_test(const LayerTestCase& t) {
    kx::LayerHandle layer = t.make();
    const kx::Tensor x = layer_test_input(t.input_shape);
    const kx::Tensor y = (*layer)(x);
    CHECK(layer->built());
    CHECK(y.shape() == t.expected_output_shape);

    kx::Shape symbolic = t.input_shape;
    symbolic[0] = kx::None;
    kx::Shape expected_symbolic = t.expected_output_shape;
    expected_symbolic[0] = kx::None;
    CHECK(layer->compute_output_shape(symbolic) == expected_symbolic);
    CHECK(layer->output_shape() == expected_symbolic);
    CHECK(layer->weights().size() == t.expected_weights);
    CHECK(layer->count_params() == t.expected_params);

    // Config round trip: the registry rebuilds an equal layer (same config), which computes the
    // same function once given the same weights.
    const nlohmann::json config = {{"class_name", layer->class_name()}, {"config", layer->get_config()}};
    kx::LayerHandle copy = kx::layers::deserialize(config);
    CHECK(copy->get_config() == layer->get_config());
    copy->ensure_built(symbolic);
    copy->set_weights(layer->get_weights());
    CHECK((*copy)(x).to_vector() == y.to_vector());

    if (t.check_gradients) {
        const auto result = kx::testing::check_gradients(*layer, x);
        INFO(result.report);
        CHECK(result.ok);
    }
}
