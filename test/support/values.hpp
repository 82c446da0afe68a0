// Value assertions shared by the op tests: every element within `margin` of the expected value.
#pragma once

#include <catch2/catch.hpp>
#include <kerasxx/tensor.hpp>

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
