// Assertions shared by the op tests: values within a margin, and gradients that agree with
// finite differences.
#pragma once

#include <catch2/catch.hpp>
#include <kerasxx/tensor.hpp>
#include <kerasxx/testing.hpp>

#include <vector>

inline void check_values(const kx::Tensor& actual, const std::vector<float>& expected, double margin) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(actual.data()[i] == Approx(expected[i]).margin(margin));
    }
}

inline void check_values(const kx::Tensor& actual, const kx::Shape& shape, const std::vector<float>& expected,
                           double margin) {
    REQUIRE(actual.shape() == shape);
    check_values(actual, expected, margin);
}

// Values O(1), distinct, so a misplaced gradient shows: -0.7, -0.6, ... in row-major order.
inline kx::Tensor ramp(const kx::Shape& shape) {
    kx::Tensor x = kx::Tensor::empty(shape);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.1f * static_cast<float>(i) - 0.7f;
    return x;
}

inline void require_gradients(const kx::testing::Function& f, const std::vector<kx::Tensor>& inputs) {
    const auto result = kx::testing::check_gradients(f, inputs);
    INFO(result.report);
    REQUIRE(result.ok);
}
