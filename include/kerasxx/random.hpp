// Reproducibility: one seed for every random draw kerasxx makes (initializers, dropout, shuffling).
//
//   kx::utils::set_random_seed(42);   // same seed + same thread count => bit-identical training
#pragma once

#include <cstdint>

namespace kx::utils {

void set_random_seed(std::uint64_t seed);

}  // namespace kx::utils
