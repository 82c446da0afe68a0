// Internal: the process-wide generator behind kx::utils::set_random_seed. Every random draw in
// kerasxx goes through it, so one seed reproduces a whole training run. Not thread-safe: draws
// happen on the thread that runs fit().
#pragma once

#include <random>

namespace kx::detail {

std::mt19937_64& random_engine();

// Uniform in [0, 1), computed the same way on every platform (unlike std::uniform_real_distribution).
inline float uniform01(std::mt19937_64& engine) { return static_cast<float>(engine() >> 40) * 0x1.0p-24f; }

}  // namespace kx::detail
