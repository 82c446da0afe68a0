#include "weight_budget.hpp"

#include <kerasxx/error.hpp>

#include <limits>

namespace kx::detail {

namespace {
thread_local WeightBudget* current = nullptr;
}

WeightBudget::WeightBudget(std::size_t max_floats, std::string source)
    : left_(max_floats), source_(std::move(source)), outer_(current) {
    current = this;
}

WeightBudget::~WeightBudget() { current = outer_; }

void WeightBudget::charge(const std::string& weight, const Shape& shape) {
    if (!current) return;
    std::size_t count = 1;
    for (std::size_t d : shape) {
        if (d == None || (d != 0 && count > std::numeric_limits<std::size_t>::max() / d) || count * d > current->left_)
            throw Error(current->source_ + ": the config asks for weight '" + weight + "' of shape " + to_string(shape) +
                        ", more than the file's tensors hold (" + std::to_string(current->left_) + " floats left)");
        count *= d;
    }
    current->left_ -= count;
}

}  // namespace kx::detail
