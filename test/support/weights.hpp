// A model's weights as one flat vector, to compare two trainings value by value.
#pragma once

#include <kerasxx/model.hpp>

#include <vector>

inline std::vector<float> flat_weights(const kx::Model& model) {
    std::vector<float> all;
    for (const kx::Tensor& w : model.get_weights()) {
        const auto v = w.to_vector();
        all.insert(all.end(), v.begin(), v.end());
    }
    return all;
}
