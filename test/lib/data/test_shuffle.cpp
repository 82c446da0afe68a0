#include "data_test_utils.hpp"

#include <algorithm>
#include <random>

using kx::data::Dataset;
using kx::data::testing::range;
using kx::data::testing::scalars;
using Values = std::vector<float>;

namespace {

// The order dataset.hpp documents for shuffle over 0..n-1, written out independently of lib/data.
Values documented_order(std::size_t n, std::size_t buffer_size, std::uint64_t seed) {
    std::mt19937_64 engine(seed);
    Values buffer;
    std::size_t next = 0;
    while (buffer.size() < buffer_size && next < n) buffer.push_back(static_cast<float>(next++));
    Values out;
    while (!buffer.empty()) {
        const std::size_t j = engine() % buffer.size();
        out.push_back(buffer[j]);
        if (next < n) {
            buffer[j] = static_cast<float>(next++);
        } else {
            buffer[j] = buffer.back();
            buffer.pop_back();
        }
    }
    return out;
}

bool is_permutation_of_range(Values values, std::size_t n) {
    std::sort(values.begin(), values.end());
    return values == scalars(range(n));
}

}  // namespace

TEST_CASE("shuffle follows the documented buffer algorithm for a seed", "[dataset]") {
    for (std::size_t buffer : {1u, 3u, 10u, 50u}) {
        const auto order = scalars(range(20).shuffle(buffer, {.seed = 42}));
        CHECK(order == documented_order(20, buffer, 42));
        CHECK(is_permutation_of_range(order, 20));
    }
    // A buffer of one cannot reorder anything.
    CHECK(scalars(range(5).shuffle(1, {.seed = 3})) == Values{0, 1, 2, 3, 4});
    // Pinned so that a change of algorithm shows: seed 42, buffer 4 over 0..7 (std::mt19937_64 is
    // specified exactly by the standard, so this holds with every standard library).
    CHECK(scalars(range(8).shuffle(4, {.seed = 42})) == Values{2, 0, 4, 6, 1, 7, 5, 3});
}

TEST_CASE("shuffle with the same seed gives the same orders in two separate datasets", "[dataset]") {
    const auto a = range(30).shuffle(30, {.seed = 7});
    const auto b = range(30).shuffle(30, {.seed = 7});
    CHECK(scalars(a) == scalars(b));
    CHECK(scalars(a) == scalars(b));   // second epochs match too
    CHECK(scalars(range(30).shuffle(30, {.seed = 8})) != scalars(range(30).shuffle(30, {.seed = 7})));
}

TEST_CASE("shuffle reshuffles each iteration by default: epoch k uses seed + k", "[dataset]") {
    const auto ds = range(30).shuffle(30, {.seed = 7});
    const auto epoch0 = scalars(ds);
    const auto epoch1 = scalars(ds);
    CHECK(epoch0 == documented_order(30, 30, 7));
    CHECK(epoch1 == documented_order(30, 30, 8));
    CHECK(epoch0 != epoch1);
    CHECK(is_permutation_of_range(epoch1, 30));
}

TEST_CASE("shuffle without reshuffle_each_iteration repeats one order every epoch", "[dataset]") {
    const auto ds = range(30).shuffle(30, {.seed = 7, .reshuffle_each_iteration = false});
    const auto epoch0 = scalars(ds);
    CHECK(epoch0 == documented_order(30, 30, 7));
    CHECK(scalars(ds) == epoch0);
    CHECK(scalars(ds) == epoch0);
}

TEST_CASE("shuffle then repeat gives a new order in each repetition", "[dataset]") {
    const auto order = scalars(range(10).shuffle(10, {.seed = 5}).repeat(2));
    REQUIRE(order.size() == 20);
    CHECK(Values(order.begin(), order.begin() + 10) == documented_order(10, 10, 5));
    CHECK(Values(order.begin() + 10, order.end()) == documented_order(10, 10, 6));
}

TEST_CASE("shuffle without a seed draws it from set_random_seed's generator", "[dataset]") {
    kx::utils::set_random_seed(123);
    const auto first = scalars(range(30).shuffle(30));
    kx::utils::set_random_seed(123);
    const auto second = scalars(range(30).shuffle(30));
    CHECK(first == second);
    CHECK(is_permutation_of_range(first, 30));
    REQUIRE_THROWS_WITH(range(3).shuffle(0), Catch::Contains("Dataset::shuffle: expected a positive buffer_size"));
}
