#include "data_test_utils.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using kx::Tensor;
using kx::data::Dataset;
using kx::data::Element;
using kx::data::testing::range;
using kx::data::testing::scalars;
using Values = std::vector<float>;

TEST_CASE("prefetch yields the same elements in the same order", "[dataset]") {
    const auto ds = range(50).batch(4).unbatch().prefetch(3);
    Values expected;
    for (int i = 0; i < 50; ++i) expected.push_back(static_cast<float>(i));
    CHECK(scalars(ds) == expected);
    CHECK(scalars(ds) == expected);
    CHECK(scalars(range(0).prefetch(2)).empty());
    CHECK(range(50).prefetch(3).cardinality() == 50);
}

TEST_CASE("prefetch runs ahead by at most its buffer, on another thread", "[dataset]") {
    std::atomic<int> produced{0};
    const auto main_thread = std::this_thread::get_id();
    std::atomic<bool> off_main{true};
    const auto ds = range(100)
                        .map([&](const Element& e) {
                            ++produced;
                            if (std::this_thread::get_id() == main_thread) off_main = false;
                            return e;
                        })
                        .prefetch(3);
    auto it = ds.begin();
    CHECK(it->tensor().item() == 0.0f);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // one handed out + 3 queued + at most 1 waiting for room
    CHECK(produced.load() <= 5);
    CHECK(produced.load() >= 4);
    CHECK(off_main.load());
}

TEST_CASE("prefetch shuts its thread down when the consumer stops early", "[dataset]") {
    // An infinite input: destroying the iterator must stop the producer blocked on a full queue.
    const auto ds = range(3).repeat().prefetch(2);
    for (int run = 0; run < 20; ++run) {
        Values seen;
        for (const Element& e : ds) {
            seen.push_back(e.tensor().item());
            if (seen.size() == 4) break;
        }
        CHECK(seen == Values{0, 1, 2, 0});
    }
    // Destroyed right after starting, while the producer is mid-pipeline in a slow map.
    const auto slow = range(10)
                          .map([](const Element& e) {
                              std::this_thread::sleep_for(std::chrono::milliseconds(5));
                              return e;
                          })
                          .prefetch(4);
    { auto it = slow.begin(); }
    CHECK(scalars(slow.take(2)) == Values{0, 1});
}

TEST_CASE("prefetch passes the pipeline's errors to the consumer in order", "[dataset]") {
    const auto ds = range(5)
                        .map([](const Element& e) {
                            if (e.tensor().item() == 3.0f) throw kx::Error("element 3 failed");
                            return e;
                        })
                        .prefetch(2);
    Values seen;
    REQUIRE_THROWS_WITH([&] { for (const Element& e : ds) seen.push_back(e.tensor().item()); }(),
                        Catch::Contains("element 3 failed"));
    CHECK(seen == Values{0, 1, 2});
    REQUIRE_THROWS_WITH(range(2).prefetch(0), Catch::Contains("Dataset::prefetch: expected a positive buffer_size"));
}

TEST_CASE("cache replays the first complete run without re-running the pipeline", "[dataset]") {
    int calls = 0;
    const auto ds = range(5)
                        .map([&](const Element& e) {
                            ++calls;
                            return Tensor::scalar(e.tensor().item() + 100.0f);
                        })
                        .cache();
    CHECK(scalars(ds) == Values{100, 101, 102, 103, 104});
    CHECK(calls == 5);
    CHECK(scalars(ds) == Values{100, 101, 102, 103, 104});
    CHECK(calls == 5);
    CHECK(ds.cardinality() == 5);
}

TEST_CASE("cache keeps nothing from a run stopped early", "[dataset]") {
    int calls = 0;
    const auto ds = range(5)
                        .map([&](const Element& e) {
                            ++calls;
                            return e;
                        })
                        .cache();
    CHECK(scalars(ds.take(2)) == Values{0, 1});
    CHECK(calls == 2);
    CHECK(scalars(ds) == Values{0, 1, 2, 3, 4});
    CHECK(calls == 7);
    CHECK(scalars(ds) == Values{0, 1, 2, 3, 4});
    CHECK(calls == 7);
}

TEST_CASE("cache after a reshuffling shuffle freezes the first epoch's order", "[dataset]") {
    const auto ds = range(20).shuffle(20, {.seed = 9}).cache();
    const auto first = scalars(ds);
    CHECK(scalars(ds) == first);
    CHECK(first == scalars(range(20).shuffle(20, {.seed = 9})));
    // cache before shuffle: the shuffle still reshuffles each epoch
    const auto reshuffled = range(20).cache().shuffle(20, {.seed = 9});
    CHECK(scalars(reshuffled) != scalars(reshuffled));
}
