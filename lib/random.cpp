#include "random_engine.hpp"

#include <kerasxx/random.hpp>

namespace kx {

namespace detail {
std::mt19937_64& random_engine() {
    static std::mt19937_64 engine(1337);
    return engine;
}
}  // namespace detail

void utils::set_random_seed(std::uint64_t seed) { detail::random_engine().seed(seed); }

}  // namespace kx
