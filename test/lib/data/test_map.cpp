#include "data_test_utils.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using kx::Tensor;
using kx::data::Dataset;
using kx::data::Element;
using kx::data::testing::range;
using kx::data::testing::rows;
using kx::data::testing::scalars;
using Values = std::vector<float>;

namespace {
Element times_ten(const Element& e) { return Tensor::scalar(e.tensor().item() * 10.0f); }
}  // namespace

TEST_CASE("map applies the function to every element in order", "[dataset]") {
    CHECK(scalars(range(4).map(times_ten)) == Values{0, 10, 20, 30});
    CHECK(range(4).map(times_ten).cardinality() == 4);
}

TEST_CASE("map can change the element structure", "[dataset]") {
    const auto ds = range(3).map([](const Element& e) {
        return Element::dict({{"x", e}, {"x_squared", Tensor::scalar(e.tensor().item() * e.tensor().item())}});
    });
    CHECK(ds.begin()->structure() == "{'x': Tensor(), 'x_squared': Tensor()}");
    CHECK(rows(ds) == std::vector<Values>{{0, 0}, {1, 1}, {2, 4}});
}

TEST_CASE("map with several threads keeps the input order", "[dataset]") {
    // Early elements sleep longest, so they finish last: only an order-keeping map gives 0, 10, 20, ...
    std::atomic<int> running{0};
    std::atomic<int> most_running{0};
    const auto slow_times_ten = [&](const Element& e) {
        const int now = ++running;
        int seen = most_running.load();
        while (now > seen && !most_running.compare_exchange_weak(seen, now)) {}
        const auto value = static_cast<int>(e.tensor().item());
        std::this_thread::sleep_for(std::chrono::milliseconds(2 * (8 - value % 8)));
        --running;
        return times_ten(e);
    };
    Values expected;
    for (int i = 0; i < 40; ++i) expected.push_back(10.0f * static_cast<float>(i));
    CHECK(scalars(range(40).map(slow_times_ten, 4)) == expected);
    CHECK(most_running.load() > 1);   // the calls did overlap
    CHECK(scalars(range(40).map(times_ten, kx::data::autotune)) == expected);
}

TEST_CASE("map with threads passes a failing call's error on at its position", "[dataset]") {
    const auto ds = range(10).map(
        [](const Element& e) {
            if (e.tensor().item() == 6.0f) throw kx::Error("bad element 6");
            return e;
        },
        3);
    Values seen;
    REQUIRE_THROWS_WITH([&] { for (const Element& e : ds) seen.push_back(e.tensor().item()); }(),
                        Catch::Contains("bad element 6"));
    CHECK(seen == Values{0, 1, 2, 3, 4, 5});
}

TEST_CASE("map with threads stops its workers when the iterator is destroyed early", "[dataset]") {
    const auto ds = range(3).repeat().map(times_ten, 2);
    Values seen;
    for (const Element& e : ds) {
        seen.push_back(e.tensor().item());
        if (seen.size() == 5) break;
    }
    CHECK(seen == Values{0, 10, 20, 0, 10});
}

TEST_CASE("map rejects empty functions and bad thread counts", "[dataset]") {
    REQUIRE_THROWS_WITH(range(2).map(kx::data::MapFn{}), Catch::Contains("expected a callable"));
    REQUIRE_THROWS_WITH(range(2).map(times_ten, 0),
                        Catch::Contains("expected num_parallel_calls >= 1 or data::autotune (-1), got 0"));
    REQUIRE_THROWS_WITH(range(2).filter(kx::data::Predicate{}), Catch::Contains("expected a callable"));
}
