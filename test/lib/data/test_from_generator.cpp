#include "data_test_utils.hpp"

#include <atomic>

using kx::Tensor;
using kx::data::Dataset;
using kx::data::Element;
using kx::data::ElementSpec;
using kx::data::Generator;
using kx::data::unknown_cardinality;
using kx::data::unknown_dim;
using kx::data::testing::rows;
using kx::data::testing::scalars;
using Values = std::vector<float>;
using Rows = std::vector<std::vector<float>>;

namespace {

// A generator of the scalars first, first + 1, ..., first + n - 1; `starts` counts the iterations.
Dataset counting(int n, std::atomic<int>& starts, float first = 0.0f) {
    return Dataset::from_generator([n, first, &starts]() -> Generator {
        ++starts;
        return [n, first, i = 0]() mutable -> std::optional<Element> {
            if (i == n) return std::nullopt;
            return Tensor::scalar(first + static_cast<float>(i++));
        };
    });
}

// Scalars 0..n-1, throwing kx::Error when it gets to element `fail_at`.
Dataset failing_at(int n, int fail_at) {
    return Dataset::from_generator([n, fail_at](std::int64_t i) -> std::optional<Element> {
        if (i == fail_at) throw kx::Error("generator failed at " + std::to_string(i));
        if (i == n) return std::nullopt;
        return Tensor::scalar(static_cast<float>(i));
    });
}

}  // namespace

TEST_CASE("from_generator yields the generator's elements in order", "[dataset]") {
    std::atomic<int> starts{0};
    const auto ds = counting(5, starts, 10.0f);
    CHECK(scalars(ds) == Values{10, 11, 12, 13, 14});
    CHECK(ds.cardinality() == unknown_cardinality);
    CHECK_FALSE(ds.element_spec().has_value());
}

TEST_CASE("from_generator calls the factory again at every iteration", "[dataset]") {
    std::atomic<int> starts{0};
    const auto ds = counting(3, starts);
    CHECK(starts == 0);   // nothing runs before iterating
    CHECK(scalars(ds) == Values{0, 1, 2});
    CHECK(scalars(ds) == Values{0, 1, 2});
    CHECK(starts == 2);
    CHECK(scalars(ds.repeat(3)) == Values{0, 1, 2, 0, 1, 2, 0, 1, 2});
    CHECK(starts == 5);
    // A run stopped early does not disturb the next one.
    CHECK(scalars(ds.take(1)) == Values{0});
    CHECK(scalars(ds) == Values{0, 1, 2});
}

TEST_CASE("from_generator with an index function counts from 0 in every iteration", "[dataset]") {
    const auto ds = Dataset::from_generator([](std::int64_t i) -> std::optional<Element> {
        if (i == 4) return std::nullopt;
        return Element::tuple({Tensor({2}, {static_cast<float>(i), -static_cast<float>(i)}), Tensor::scalar(7)});
    });
    const Rows expected{{0, 0, 7}, {1, -1, 7}, {2, -2, 7}, {3, -3, 7}};
    CHECK(rows(ds) == expected);
    CHECK(rows(ds) == expected);
    CHECK(rows(ds.batch(2)) == Rows{{0, 0, 1, -1, 7, 7}, {2, -2, 3, -3, 7, 7}});
}

TEST_CASE("from_generator does not call a finished generator again", "[dataset]") {
    int calls = 0;
    const auto ds = Dataset::from_generator([&calls] {
        return [&calls]() -> std::optional<Element> {
            ++calls;
            return std::nullopt;
        };
    });
    auto it = ds.begin();
    CHECK(it == Dataset::Sentinel{});
    CHECK_FALSE(it.next().has_value());
    CHECK_FALSE(it.next().has_value());
    CHECK(calls == 1);
}

TEST_CASE("from_generator checks elements against a declared spec", "[dataset]") {
    const auto spec = ElementSpec::tuple({ElementSpec::tensor({unknown_dim, 2}), ElementSpec::tensor({})});
    // rows grow 1, 2, 3 then element 3 has 3 columns instead of 2
    const auto ds = Dataset::from_generator(
        [](std::int64_t i) -> std::optional<Element> {
            const auto n = static_cast<std::size_t>(i + 1);
            return Element::tuple({Tensor::zeros({n, i == 3 ? 3u : 2u}), Tensor::scalar(static_cast<float>(i))});
        },
        spec);
    CHECK(ds.element_spec() == spec);
    std::vector<kx::Shape> shapes;
    REQUIRE_THROWS_WITH([&] { for (const Element& e : ds) shapes.push_back(e[0].tensor().shape()); }(),
                        Catch::Contains("Dataset::from_generator: expected elements matching the declared spec "
                                        "(Tensor(None, 2), Tensor()), got element 3 with (Tensor(4, 3), Tensor())"));
    CHECK(shapes == std::vector<kx::Shape>{{1, 2}, {2, 2}, {3, 2}});

    const auto wrong_kind = Dataset::from_generator([](std::int64_t) -> std::optional<Element> {
        return Tensor::scalar(1);
    }, ElementSpec::dict({{"x", ElementSpec::tensor({})}}));
    REQUIRE_THROWS_WITH(wrong_kind.begin(), Catch::Contains("declared spec {'x': Tensor()}, got element 0 with Tensor()"));
}

TEST_CASE("from_generator without a spec requires the first element's structure throughout", "[dataset]") {
    const auto ds = Dataset::from_generator([](std::int64_t i) -> std::optional<Element> {
        if (i == 3) return std::nullopt;
        if (i == 2) return Element::tuple({Tensor::scalar(2), Tensor::scalar(2)});
        return Tensor::zeros({static_cast<std::size_t>(i) + 1});   // shapes may differ: only structure counts
    });
    Values seen;
    REQUIRE_THROWS_WITH([&] { for (const Element& e : ds) seen.push_back(static_cast<float>(e.tensor().size())); }(),
                        Catch::Contains("Dataset::from_generator: expected every element to have the structure of "
                                        "element 0, Tensor(1,), got element 2 with (Tensor(), Tensor())"));
    CHECK(seen == Values{1, 2});
}

TEST_CASE("from_generator rejects empty callables", "[dataset]") {
    REQUIRE_THROWS_WITH(Dataset::from_generator(kx::data::GeneratorFactory{}), Catch::Contains("expected a callable"));
    REQUIRE_THROWS_WITH(Dataset::from_generator(kx::data::IndexGenerator{}), Catch::Contains("expected a callable"));
    const auto empty = Dataset::from_generator([] { return Generator{}; });
    REQUIRE_THROWS_WITH(empty.begin(), Catch::Contains("expected the factory to return a callable"));
}

TEST_CASE("from_generator's exceptions reach the consumer in order, also through map threads and prefetch",
          "[dataset]") {
    const auto times_ten = [](const Element& e) { return Element(Tensor::scalar(e.tensor().item() * 10.0f)); };
    const std::vector<std::pair<std::string, Dataset>> pipelines = {
        {"plain", failing_at(10, 4)},
        {"map", failing_at(10, 4).map(times_ten)},
        {"map with 2 threads", failing_at(10, 4).map(times_ten, 2)},
        {"prefetch", failing_at(10, 4).prefetch(2)},
        {"map with 3 threads and prefetch", failing_at(10, 4).map(times_ten, 3).prefetch(3)},
        {"batch and prefetch", failing_at(10, 4).batch(2).unbatch().prefetch(1)},
    };
    for (const auto& [name, ds] : pipelines) {
        INFO(name);
        Values seen;
        REQUIRE_THROWS_WITH([&] { for (const Element& e : ds) seen.push_back(e.tensor().item()); }(),
                            "generator failed at 4");
        REQUIRE(seen.size() == 4);
        CHECK(seen.back() == (name == "plain" || name == "prefetch" || name == "batch and prefetch" ? 3.0f : 30.0f));
    }
    // The factory's own exception comes out of begin().
    const auto broken = Dataset::from_generator([]() -> Generator { throw kx::Error("no data source"); });
    REQUIRE_THROWS_WITH(broken.map(times_ten, 2).begin(), "no data source");
    REQUIRE_THROWS_WITH(broken.prefetch(2).begin(), "no data source");
}

TEST_CASE("from_generator feeds map with threads and prefetch in order", "[dataset]") {
    std::atomic<int> starts{0};
    const auto ds = counting(40, starts)
                        .map([](const Element& e) { return Element(Tensor::scalar(e.tensor().item() * 2.0f)); }, 2)
                        .prefetch(3);
    Values expected;
    for (int i = 0; i < 40; ++i) expected.push_back(2.0f * static_cast<float>(i));
    CHECK(scalars(ds) == expected);
    CHECK(scalars(ds) == expected);
    CHECK(starts == 2);
    // Stopping early joins the threads and leaves the next run intact.
    CHECK(scalars(ds.take(3)) == Values{0, 2, 4});
    CHECK(scalars(ds) == expected);
}
