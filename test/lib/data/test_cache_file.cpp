#include "data_test_utils.hpp"
#include "lib/datasets/idx_files.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

using kx::Tensor;
using kx::data::Dataset;
using kx::data::Element;
using kx::data::testing::rows;
using kx::data::testing::scalars;
using kx::datasets_test::TempDir;
using Values = std::vector<float>;
using Rows = std::vector<std::vector<float>>;
namespace fs = std::filesystem;

namespace {

// The pipeline whose preprocessing the cache should skip: (x, y) pairs mapped by a counting fn.
Dataset preprocessed(std::atomic<int>& calls) {
    const Tensor x({4, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
    const Tensor y({4}, {10, 11, 12, 13});
    return Dataset::from_tensor_slices({x, y}).map([&calls](const Element& e) {
        ++calls;
        const auto v = e[0].tensor().to_vector();
        return Element::tuple({Tensor({2}, {v[0] * 2, v[1] * 2}), e[1]});
    });
}

const Rows expected_rows{{0, 2, 10}, {4, 6, 11}, {8, 10, 12}, {12, 14, 13}};

// The names in a directory, so a test can see that no temporary file was left behind.
std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Rows 0..n-1 of growing length: row i has i + 1 values, all equal to i. Shapes vary per element.
Dataset ragged(int n) {
    return Dataset::from_generator([n](std::int64_t i) -> std::optional<Element> {
        if (i == n) return std::nullopt;
        return Element::dict({{"v", Tensor::full({static_cast<std::size_t>(i) + 1}, static_cast<float>(i))},
                              {"i", Tensor::scalar(static_cast<float>(i))}});
    });
}

}  // namespace

TEST_CASE("cache to a file lets a new pipeline skip the preprocessing", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "train.kxcache").string();
    std::atomic<int> first_calls{0};
    const auto first = preprocessed(first_calls).cache(path);
    CHECK(rows(first) == expected_rows);
    CHECK(first_calls == 4);
    CHECK(listing(dir.path()) == std::vector<std::string>{"train.kxcache"});
    CHECK(rows(first) == expected_rows);   // read back from the file
    CHECK(first_calls == 4);

    // A second Dataset over the same file, as a new process would build it: its fn never runs.
    std::atomic<int> second_calls{0};
    const auto second = preprocessed(second_calls).cache(path);
    CHECK(rows(second) == expected_rows);
    CHECK(rows(second.shuffle(4, {.seed = 1}).batch(2).unbatch()) ==
          rows(preprocessed(first_calls).shuffle(4, {.seed = 1}).batch(2).unbatch()));
    CHECK(second_calls == 0);
    auto e = *second.begin();
    CHECK(e.structure() == "(Tensor(2,), Tensor())");
    CHECK(second.cardinality() == 4);
}

TEST_CASE("cache to a file removes the temporary files of writers that were killed", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "train.kxcache").string();
    // A process that no longer exists: a child that exited and was reaped.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    REQUIRE(child > 0);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
    const std::string stale = ".train.kxcache.tmp-" + std::to_string(child) + "-Ab12Cd";
    const std::string live = ".train.kxcache.tmp-" + std::to_string(::getpid()) + "-Ef34Gh";   // a writer still running
    std::ofstream(dir.path() / stale) << "half a cache";
    std::ofstream(dir.path() / live) << "being written";

    std::atomic<int> calls{0};
    CHECK(rows(preprocessed(calls).cache(path)) == expected_rows);
    CHECK(listing(dir.path()) == std::vector<std::string>{live, "train.kxcache"});
}

TEST_CASE("cache to a file keeps structures and shapes that vary from element to element", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "ragged.kxcache").string();
    const Rows expected{{0, 0}, {1, 1, 1}, {2, 2, 2, 2}};   // flatten: 'i' then 'v'
    CHECK(rows(ragged(3).cache(path)) == expected);
    int calls = 0;
    const auto replay = ragged(3).map([&calls](const Element& e) { ++calls; return e; }).cache(path);
    CHECK(rows(replay) == expected);
    CHECK(calls == 0);
    for (const Element& x : replay) CHECK(x.keys() == std::vector<std::string>{"i", "v"});
    // Values survive bit for bit, NaN and infinities included.
    const std::string special = (dir.path() / "special.kxcache").string();
    const Tensor odd({3}, {std::nanf(""), -INFINITY, -0.0f});
    scalars(Dataset::from_tensor_slices(Element(odd)).cache(special));
    const auto back = scalars(Dataset::from_tensor_slices(Element(odd)).cache(special));
    REQUIRE(back.size() == 3);
    CHECK(std::isnan(back[0]));
    CHECK(back[1] == -INFINITY);
    CHECK(std::signbit(back[2]));
}

TEST_CASE("cache to a file writes nothing from an iteration stopped early or failing", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "partial.kxcache").string();
    std::atomic<int> calls{0};
    const auto ds = preprocessed(calls).cache(path);
    CHECK(rows(ds.take(2)) == Rows{{0, 2, 10}, {4, 6, 11}});
    {
        auto it = ds.begin();   // abandoned after one element, while the temporary file is open
        CHECK((*it)[1].tensor().item() == 10.0f);
        CHECK(listing(dir.path()).size() == 1);   // only the temporary file exists meanwhile
        CHECK(listing(dir.path())[0].starts_with(".partial.kxcache.tmp-"));
    }
    CHECK(listing(dir.path()).empty());
    // The writer on prefetch's thread, behind map threads: long enough that read-ahead cannot finish it.
    const std::string long_path = (dir.path() / "long.kxcache").string();
    for (const Element& e : kx::data::testing::range(1000).cache(long_path).map([](const Element& x) { return x; }, 2)
                                .prefetch(2)) {
        CHECK(e.tensor().item() == 0.0f);
        break;
    }
    CHECK(listing(dir.path()).empty());

    const auto failing = ds.map([](const Element& e) {
        if (e[1].tensor().item() == 12.0f) throw kx::Error("preprocessing failed");
        return e;
    });
    const std::string failing_path = (dir.path() / "failing.kxcache").string();
    REQUIRE_THROWS_WITH(rows(failing.cache(failing_path)), "preprocessing failed");
    CHECK(listing(dir.path()).empty());

    // The next complete iteration writes it (here on prefetch's thread), and later ones read it.
    calls = 0;
    CHECK(rows(ds.prefetch(2)) == expected_rows);
    CHECK(listing(dir.path()) == std::vector<std::string>{"partial.kxcache"});
    CHECK(rows(ds) == expected_rows);
    CHECK(calls == 4);
}

TEST_CASE("cache to a file of an empty dataset replays an empty dataset", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "empty.kxcache").string();
    CHECK(scalars(kx::data::testing::range(3).take(0).cache(path)).empty());
    CHECK(fs::exists(path));
    CHECK(scalars(kx::data::testing::range(3).take(0).cache(path)).empty());
}

TEST_CASE("cache to a file rejects truncated, foreign and corrupt files, naming them", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "data.kxcache").string();
    std::atomic<int> calls{0};
    REQUIRE(rows(preprocessed(calls).cache(path)) == expected_rows);
    const auto full_size = fs::file_size(path);
    const auto reread = [&] { return rows(preprocessed(calls).cache(path)); };

    SECTION("data cut short") {
        fs::resize_file(path, full_size - 3);
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("Dataset::cache: '" + path + "' is truncated") &&
                                          Catch::Contains("4 elements of (Tensor(2,), Tensor())"));
    }
    SECTION("header cut short") {
        fs::resize_file(path, 20);
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("'" + path + "' is truncated: it ends after 20 bytes"));
        fs::resize_file(path, 5);
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("'" + path + "' is truncated: it ends after 5 bytes"));
        fs::resize_file(path, 0);
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("'" + path + "' is truncated: it ends after 0 bytes"));
    }
    SECTION("bytes appended") {
        std::ofstream(path, std::ios::binary | std::ios::app) << "junk";
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("'" + path + "' is corrupt: it has 4 bytes after its 4 elements"));
    }
    SECTION("another kind of file") {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << "x,y\n1,2\n";
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("'" + path + "' is not a kerasxx dataset cache"));
    }
    SECTION("another format version") {
        std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
        file.seekp(8);
        file.put(2);
        file.close();
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("'" + path + "' has cache format version 2; this kerasxx reads "
                                                      "version 1"));
    }
    SECTION("a corrupt element kind in the header") {
        std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
        file.seekp(25);   // the first byte of the spec: the tuple's kind
        file.put(7);
        file.close();
        REQUIRE_THROWS_WITH(reread(), Catch::Contains("'" + path + "' is corrupt: unknown element kind 7"));
    }
    SECTION("a ragged file cut inside an element fails at that element") {
        const std::string ragged_path = (dir.path() / "ragged.kxcache").string();
        REQUIRE(rows(ragged(4).cache(ragged_path)).size() == 4);
        fs::resize_file(ragged_path, fs::file_size(ragged_path) - 4);
        std::size_t seen = 0;
        REQUIRE_THROWS_WITH([&] { for (const Element& e : ragged(4).cache(ragged_path)) seen += e.size(); }(),
                            Catch::Contains("'" + ragged_path + "' is truncated") &&
                                Catch::Contains("inside element 3 (tensor 1)"));
        CHECK(seen == 6);   // elements 0..2 were read
    }
    CHECK(calls == 4);   // no failing read ever fell back to running the pipeline
}

TEST_CASE("cache to a file rejects a file whose structure differs from the pipeline's", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "pairs.kxcache").string();
    const auto pairs = Dataset::from_tensor_slices({Tensor({3, 2}), Tensor({3})});
    REQUIRE(rows(pairs.cache(path)).size() == 3);

    const auto single = Dataset::from_tensor_slices(Element(Tensor({3, 2})));
    REQUIRE_THROWS_WITH(single.cache(path).begin(),
                        "Dataset::cache: '" + path + "' holds elements (Tensor(2,), Tensor()) but the pipeline it "
                        "caches produces Tensor(2,); delete the file or cache to another name");
    const auto wider = Dataset::from_tensor_slices({Tensor({3, 5}), Tensor({3})});
    REQUIRE_THROWS_WITH(wider.cache(path).begin(), Catch::Contains("produces (Tensor(5,), Tensor())"));
    const auto longer = Dataset::from_tensor_slices({Tensor({7, 2}), Tensor({7})});
    REQUIRE_THROWS_WITH(longer.cache(path).begin(),
                        Catch::Contains("'" + path + "' holds 3 elements but the pipeline it caches produces 7"));
    // A generator whose structure changes cannot be written: one file holds one structure.
    const std::string mixed_path = (dir.path() / "mixed.kxcache").string();
    const auto mixed = kx::data::testing::range(3).map([](const Element& e) {
        return e.tensor().item() < 2.0f ? e : Element(Tensor({2}));
    });
    REQUIRE_THROWS_WITH(scalars(mixed.cache(mixed_path)),
                        Catch::Contains("'" + mixed_path + "': expected every element to have the structure "
                                        "Tensor() (with these ranks) to write the cache file, got element 2 with "
                                        "Tensor(2,)"));
    CHECK_FALSE(fs::exists(mixed_path));
}

TEST_CASE("cache to a file in a missing directory names the path", "[dataset]") {
    TempDir dir;
    const std::string path = (dir.path() / "no" / "such" / "dir.kxcache").string();
    REQUIRE_THROWS_WITH(kx::data::testing::range(2).cache(path).begin(),
                        Catch::Contains("Dataset::cache: '" + path + "': cannot create the temporary file") &&
                            Catch::Contains("No such file or directory"));
    // An empty name keeps the cache in memory.
    int calls = 0;
    const auto memory = kx::data::testing::range(2).map([&calls](const Element& e) { ++calls; return e; }).cache("");
    CHECK(scalars(memory) == Values{0, 1});
    CHECK(scalars(memory) == Values{0, 1});
    CHECK(calls == 2);
}
