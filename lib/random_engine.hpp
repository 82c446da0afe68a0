// Internal: the process-wide generator behind kx::utils::set_random_seed. Every random draw in
// kerasxx goes through it, so one seed reproduces a whole training run. Not thread-safe: draws
// happen on the thread that runs fit().
#pragma once

#include <cmath>
#include <numbers>
#include <random>

namespace kx::detail {

std::mt19937_64& random_engine();

// Uniform in [0, 1), computed the same way on every platform (unlike std::uniform_real_distribution).
inline float uniform01(std::mt19937_64& engine) { return static_cast<float>(engine() >> 40) * 0x1.0p-24f; }

// Uniform in (0, 1) with 53 random bits; never 0, so log() in NormalSampler is finite.
inline double uniform_open(std::mt19937_64& engine) {
    return (static_cast<double>(engine() >> 11) + 0.5) * 0x1.0p-53;
}

// Standard normal draws by Box-Muller, which (unlike std::normal_distribution) gives the same
// numbers with every standard library.
class NormalSampler {
public:
    explicit NormalSampler(std::mt19937_64& engine) : engine_(engine) {}
    double operator()() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double radius = std::sqrt(-2.0 * std::log(uniform_open(engine_)));
        const double angle = 2.0 * std::numbers::pi * uniform_open(engine_);
        spare_ = radius * std::sin(angle);
        has_spare_ = true;
        return radius * std::cos(angle);
    }
    double truncated() {   // within two standard deviations
        double z = (*this)();
        while (std::abs(z) > 2.0) z = (*this)();
        return z;
    }

private:
    std::mt19937_64& engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace kx::detail
