// Helpers shared by the Dataset tests: read whole runs of a dataset as plain numbers.
#pragma once

#include <kerasxx/data/dataset.hpp>

#include <vector>

namespace kx::data::testing {

// One run of a dataset whose elements are scalar tensors.
inline std::vector<float> scalars(const Dataset& dataset) {
    std::vector<float> out;
    for (const Element& e : dataset) out.push_back(e.tensor().item());
    return out;
}

// One run, each element's tensors flattened (depth-first) into one row of values.
inline std::vector<std::vector<float>> rows(const Dataset& dataset) {
    std::vector<std::vector<float>> out;
    for (const Element& e : dataset) {
        std::vector<float> row;
        for (const Tensor& t : e.flatten()) {
            const auto v = t.to_vector();
            row.insert(row.end(), v.begin(), v.end());
        }
        out.push_back(row);
    }
    return out;
}

// 0, 1, ..., n-1 as a dataset of scalars.
inline Dataset range(std::size_t n) { return Dataset::from_tensor_slices(Element(Tensor::arange(n))); }

}  // namespace kx::data::testing
