// The one harness every layer goes through (Keras' run_layer_test): build, call, output shape
// against compute_output_shape, weight count, config round trip through the registry, and a
// finite-difference gradient check of input and weights. run_merge_layer_test does the same for
// layers of several inputs (merges), through apply() and call_multi().
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

struct MergeLayerTestCase {
    std::function<kx::LayerHandle()> make;
    kx::Shapes input_shapes;           // concrete, batch included
    kx::Shape expected_output_shape;   // concrete, batch included
    std::size_t expected_weights = 0;
    std::size_t expected_params = 0;
    bool check_gradients = true;       // with respect to every input (not the weights)
};

// Input k of a merge test: layer_test_input's values shifted by 0.037 * k, so that no two of
// up to three inputs hold values closer than 0.037 (values step by 1/9): the finite-difference
// nudges (0.01) never cross a tie of Maximum or Minimum.
inline kx::Tensor merge_test_input(const kx::Shape& shape, std::size_t k) {
    kx::Tensor x = layer_test_input(shape);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] += 0.037f * static_cast<float>(k);
    return x;
}

inline kx::Shapes merge_symbolic_shapes(kx::Shapes shapes) {
    for (kx::Shape& shape : shapes) shape[0] = kx::None;
    return shapes;
}

inline void run_merge_layer_test(const MergeLayerTestCase& t) {
    kx::LayerHandle layer = t.make();
    kx::Tensors xs;
    for (std::size_t k = 0; k < t.input_shapes.size(); ++k) xs.push_back(merge_test_input(t.input_shapes[k], k));
    const kx::Tensors ys = layer->apply(xs);
    CHECK(layer->built());
    REQUIRE(ys.size() == 1);
    const kx::Tensor y = ys[0];
    CHECK(y.shape() == t.expected_output_shape);
    CHECK((*layer)(xs).to_vector() == y.to_vector());   // the list call returns the only output

    const kx::Shapes symbolic = merge_symbolic_shapes(t.input_shapes);
    kx::Shape expected_symbolic = t.expected_output_shape;
    expected_symbolic[0] = kx::None;
    CHECK(layer->input_shapes() == symbolic);
    CHECK(layer->compute_output_shapes(symbolic) == kx::Shapes{expected_symbolic});
    CHECK(layer->output_shape() == expected_symbolic);
    CHECK(layer->weights().size() == t.expected_weights);
    CHECK(layer->count_params() == t.expected_params);

    // A symbolic call records a node whose output has the inferred shape.
    kx::SymbolicTensors inputs;
    for (const kx::Shape& shape : t.input_shapes) inputs.push_back(kx::Input(kx::Shape(shape.begin() + 1, shape.end())));
    CHECK(layer(inputs).shape() == expected_symbolic);

    const nlohmann::json config = {{"class_name", layer->class_name()}, {"config", layer->get_config()}};
    kx::LayerHandle copy = kx::layers::deserialize(config);
    CHECK(copy->get_config() == layer->get_config());
    copy->ensure_built(symbolic);
    copy->set_weights(layer->get_weights());
    CHECK(copy->apply(xs).at(0).to_vector() == y.to_vector());

    if (t.check_gradients) {
        const auto result = kx::testing::check_gradients(
            [&](const std::vector<kx::Tensor>& in) { return layer->apply(in).at(0); }, xs);
        INFO(result.report);
        CHECK(result.ok);
    }
}
