// Internal: a cap on the weights layers may create on this thread while it is in force. Loading a
// model builds it from the file's config before reading the weights; the cap (what the file
// holds) keeps a hostile config (a Dense with 2^40 units) from allocating without bound.
#pragma once

#include <kerasxx/tensor.hpp>

#include <cstddef>
#include <string>

namespace kx::detail {

class WeightBudget {
public:
    WeightBudget(std::size_t max_floats, std::string source);
    ~WeightBudget();
    WeightBudget(const WeightBudget&) = delete;
    WeightBudget& operator=(const WeightBudget&) = delete;

    // Called by Layer::add_weight before it allocates: kx::Error when a budget is in force and
    // `shape` does not fit in what is left of it.
    static void charge(const std::string& weight, const Shape& shape);

private:
    std::size_t left_;
    std::string source_;
    WeightBudget* outer_;
};

}  // namespace kx::detail
