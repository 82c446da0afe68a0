#include "data_test_utils.hpp"

using kx::Tensor;
using kx::data::Dataset;
using kx::data::Element;
using kx::data::infinite_cardinality;
using kx::data::unknown_cardinality;
using kx::data::testing::range;
using kx::data::testing::rows;
using kx::data::testing::scalars;
using Values = std::vector<float>;
using Rows = std::vector<std::vector<float>>;

namespace {
Tensor matrix_3x2() { return Tensor({3, 2}, {0, 1, 2, 3, 4, 5}); }
}  // namespace

TEST_CASE("from_tensor_slices slices a single tensor along axis 0", "[dataset]") {
    const auto ds = Dataset::from_tensor_slices(Element(matrix_3x2()));
    CHECK(ds.cardinality() == 3);
    CHECK(rows(ds) == Rows{{0, 1}, {2, 3}, {4, 5}});
    for (const Element& e : ds) CHECK(e.tensor().shape() == kx::Shape{2});
}

TEST_CASE("from_tensor_slices slices a tuple by position", "[dataset]") {
    const auto ds = Dataset::from_tensor_slices(std::vector<Tensor>{matrix_3x2(), Tensor({3}, {7, 8, 9})});
    std::vector<float> labels;
    std::vector<std::vector<float>> features;
    for (const Element& e : ds) {
        REQUIRE(e.is_tuple());
        features.push_back(e[0].tensor().to_vector());
        labels.push_back(e[1].tensor().item());
        CHECK(e[1].tensor().shape() == kx::Shape{});
    }
    CHECK(features == Rows{{0, 1}, {2, 3}, {4, 5}});
    CHECK(labels == Values{7, 8, 9});
}

TEST_CASE("from_tensor_slices slices a name-to-tensor map", "[dataset]") {
    const auto ds = Dataset::from_tensor_slices(
        std::map<std::string, Tensor>{{"x", matrix_3x2()}, {"y", Tensor({3}, {7, 8, 9})}});
    std::vector<float> labels;
    for (const Element& e : ds) {
        REQUIRE(e.is_dict());
        CHECK(e.keys() == std::vector<std::string>{"x", "y"});
        labels.push_back(e["y"].tensor().item());
    }
    CHECK(labels == Values{7, 8, 9});
    CHECK(rows(ds) == Rows{{0, 1, 7}, {2, 3, 8}, {4, 5, 9}});
}

TEST_CASE("from_tensor_slices names the tensors whose first dimensions differ", "[dataset]") {
    REQUIRE_THROWS_WITH(Dataset::from_tensor_slices(std::vector<Tensor>{Tensor({4, 2}), Tensor({3})}),
                        Catch::Contains("Dataset::from_tensor_slices") &&
                            Catch::Contains("same first dimension, got 4 for [0] with shape (4, 2) and 3 for [1] "
                                            "with shape (3,)"));
    REQUIRE_THROWS_WITH(
        Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"x", Tensor({4, 2})}, {"y", Tensor({5})}}),
        Catch::Contains("got 4 for ['x'] with shape (4, 2) and 5 for ['y'] with shape (5,)"));
    REQUIRE_THROWS_WITH(Dataset::from_tensor_slices(Element(Tensor::scalar(1))),
                        Catch::Contains("expected tensors of rank >= 1") && Catch::Contains("with shape ()"));
}

TEST_CASE("Each iteration of a dataset runs the pipeline again from the start", "[dataset]") {
    const auto ds = range(4);
    CHECK(scalars(ds) == Values{0, 1, 2, 3});
    CHECK(scalars(ds) == Values{0, 1, 2, 3});
    auto it = ds.begin();
    auto first = it.next();
    auto second = it.next();
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->tensor().item() == 0.0f);
    CHECK(second->tensor().item() == 1.0f);
    CHECK(ds.begin()->tensor().item() == 0.0f);   // a new run is unaffected by the one in progress
}

TEST_CASE("A dataset iterator keeps its pipeline alive after the Dataset is gone", "[dataset]") {
    auto it = range(3).batch(2).begin();
    CHECK(it->tensor().to_vector() == Values{0, 1});
    ++it;
    CHECK(it->tensor().to_vector() == Values{2});
    ++it;
    CHECK(it == Dataset::Sentinel{});
}

TEST_CASE("Transformations return new datasets and leave the original unchanged", "[dataset]") {
    const auto ds = range(5);
    const auto copy = ds;
    const auto taken = ds.take(2);
    CHECK(scalars(ds) == Values{0, 1, 2, 3, 4});
    CHECK(scalars(copy) == Values{0, 1, 2, 3, 4});
    CHECK(scalars(taken) == Values{0, 1});
}

TEST_CASE("batch stacks consecutive elements and keeps a smaller last batch", "[dataset]") {
    const auto ds = range(7).batch(3);
    CHECK(ds.cardinality() == 3);
    CHECK(rows(ds) == Rows{{0, 1, 2}, {3, 4, 5}, {6}});
    std::vector<kx::Shape> shapes;
    for (const Element& e : ds) shapes.push_back(e.tensor().shape());
    CHECK(shapes == std::vector<kx::Shape>{{3}, {3}, {1}});
}

TEST_CASE("batch with drop_remainder drops the incomplete last batch", "[dataset]") {
    const auto ds = range(7).batch(3, true);
    CHECK(ds.cardinality() == 2);
    CHECK(rows(ds) == Rows{{0, 1, 2}, {3, 4, 5}});
    CHECK(range(6).batch(3, true).cardinality() == 2);
}

TEST_CASE("batch keeps tuple and dict structures, stacking each tensor", "[dataset]") {
    const auto ds = Dataset::from_tensor_slices(std::vector<Tensor>{matrix_3x2(), Tensor({3}, {7, 8, 9})}).batch(2);
    auto it = ds.begin();
    CHECK(it->structure() == "(Tensor(2, 2), Tensor(2,))");
    CHECK((*it)[0].tensor().to_vector() == Values{0, 1, 2, 3});
    CHECK((*it)[1].tensor().to_vector() == Values{7, 8});
    ++it;
    CHECK(it->structure() == "(Tensor(1, 2), Tensor(1,))");
    CHECK((*it)[0].tensor().to_vector() == Values{4, 5});

    const auto named = Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"y", Tensor({3}, {7, 8, 9})}})
                           .batch(3);
    CHECK(named.begin()->structure() == "{'y': Tensor(3,)}");
}

TEST_CASE("batch reports elements whose shapes cannot be stacked", "[dataset]") {
    const auto ds = range(3).map([](const Element& e) { return Tensor::zeros({std::size_t(e.tensor().item()) + 1}); });
    REQUIRE_THROWS_WITH(rows(ds.batch(2)), Catch::Contains("Dataset::batch: cannot stack tensors of different shapes "
                                                           "(1,) and (2,)"));
    REQUIRE_THROWS_WITH(range(3).batch(0), Catch::Contains("expected a positive batch_size, got 0"));
}

TEST_CASE("unbatch splits batches back into elements", "[dataset]") {
    CHECK(scalars(range(7).batch(3).unbatch()) == Values{0, 1, 2, 3, 4, 5, 6});
    const auto ds = Dataset::from_tensor_slices(std::vector<Tensor>{matrix_3x2(), Tensor({3}, {7, 8, 9})});
    CHECK(rows(ds.batch(2).unbatch()) == Rows{{0, 1, 7}, {2, 3, 8}, {4, 5, 9}});
    CHECK(Dataset::from_tensor_slices(Element(matrix_3x2())).unbatch().cardinality() == unknown_cardinality);
    CHECK(rows(Dataset::from_tensor_slices(Element(matrix_3x2())).unbatch()) == Rows{{0}, {1}, {2}, {3}, {4}, {5}});
}

TEST_CASE("unbatch reports batches whose tensors disagree on the batch size", "[dataset]") {
    const auto ds = range(1).map([](const Element&) { return Element::tuple({Tensor({2}), Tensor({3})}); });
    REQUIRE_THROWS_WITH(scalars(ds.unbatch()),
                        Catch::Contains("Dataset::unbatch") && Catch::Contains("got 2 for [0] with shape (2,) and "
                                                                               "3 for [1] with shape (3,)"));
}

TEST_CASE("take keeps the first elements, skip drops them", "[dataset]") {
    const auto ds = range(10);
    CHECK(scalars(ds.take(3)) == Values{0, 1, 2});
    CHECK(scalars(ds.take(0)).empty());
    CHECK(scalars(ds.take(-1)).size() == 10);
    CHECK(scalars(ds.take(20)).size() == 10);
    CHECK(scalars(ds.skip(7)) == Values{7, 8, 9});
    CHECK(scalars(ds.skip(-1)).empty());
    CHECK(scalars(ds.skip(20)).empty());
    CHECK(scalars(ds.skip(2).take(3)) == Values{2, 3, 4});
    CHECK(ds.take(3).cardinality() == 3);
    CHECK(ds.take(20).cardinality() == 10);
    CHECK(ds.take(-1).cardinality() == 10);
    CHECK(ds.skip(7).cardinality() == 3);
    CHECK(ds.skip(20).cardinality() == 0);
    CHECK(ds.skip(-1).cardinality() == 0);
}

TEST_CASE("repeat replays the dataset count times, or forever with -1", "[dataset]") {
    const auto ds = range(3);
    CHECK(scalars(ds.repeat(2)) == Values{0, 1, 2, 0, 1, 2});
    CHECK(scalars(ds.repeat(0)).empty());
    CHECK(scalars(ds.repeat().take(7)) == Values{0, 1, 2, 0, 1, 2, 0});
    CHECK(scalars(ds.repeat().skip(4).take(3)) == Values{1, 2, 0});
    CHECK(ds.repeat(2).cardinality() == 6);
    CHECK(ds.repeat().cardinality() == infinite_cardinality);
    CHECK(ds.repeat().take(7).cardinality() == 7);
    // An empty dataset repeated forever ends instead of spinning.
    CHECK(scalars(ds.take(0).repeat()).empty());
    CHECK(ds.take(0).repeat().cardinality() == 0);
}

TEST_CASE("filter keeps the elements the predicate accepts, in order", "[dataset]") {
    const auto ds = range(10).filter([](const Element& e) { return static_cast<int>(e.tensor().item()) % 3 == 0; });
    CHECK(scalars(ds) == Values{0, 3, 6, 9});
    CHECK(ds.cardinality() == unknown_cardinality);
    CHECK(ds.repeat().cardinality() == infinite_cardinality);
}

TEST_CASE("zip pairs elements position by position and stops at the shortest", "[dataset]") {
    const auto numbers = range(5);
    const auto labels = Dataset::from_tensor_slices(Element(Tensor({3}, {10, 11, 12})));
    const auto zipped = Dataset::zip({numbers, labels});
    CHECK(zipped.cardinality() == 3);
    CHECK(rows(zipped) == Rows{{0, 10}, {1, 11}, {2, 12}});
    CHECK(zipped.begin()->structure() == "(Tensor(), Tensor())");

    const auto named = Dataset::zip(std::map<std::string, Dataset>{{"x", numbers}, {"y", labels}});
    CHECK(named.begin()->structure() == "{'x': Tensor(), 'y': Tensor()}");
    CHECK(rows(named) == Rows{{0, 10}, {1, 11}, {2, 12}});

    CHECK(Dataset::zip({numbers.repeat(), labels}).cardinality() == 3);
    CHECK(Dataset::zip({numbers.repeat(), labels.repeat()}).cardinality() == infinite_cardinality);
    CHECK(Dataset::zip({numbers.filter([](const Element&) { return true; }), labels}).cardinality() ==
          unknown_cardinality);
}

TEST_CASE("zip nests structures: a tuple of a tuple and a tensor", "[dataset]") {
    const auto pairs = Dataset::from_tensor_slices(std::vector<Tensor>{Tensor({2}, {1, 2}), Tensor({2}, {3, 4})});
    const auto zipped = Dataset::zip({pairs, range(2)});
    CHECK(zipped.begin()->structure() == "((Tensor(), Tensor()), Tensor())");
    CHECK(rows(zipped) == Rows{{1, 3, 0}, {2, 4, 1}});
}

TEST_CASE("concatenate yields the first dataset's elements, then the second's", "[dataset]") {
    const auto ds = range(3).concatenate(Dataset::from_tensor_slices(Element(Tensor({2}, {10, 11}))));
    CHECK(scalars(ds) == Values{0, 1, 2, 10, 11});
    CHECK(scalars(ds) == Values{0, 1, 2, 10, 11});
    CHECK(ds.cardinality() == 5);
    CHECK(ds.concatenate(range(1).repeat()).cardinality() == infinite_cardinality);
    CHECK(ds.filter([](const Element&) { return true; }).concatenate(ds).cardinality() == unknown_cardinality);
}

TEST_CASE("concatenate rejects datasets whose element structures differ", "[dataset]") {
    const auto pairs = Dataset::from_tensor_slices(std::vector<Tensor>{Tensor({2}), Tensor({2})});
    REQUIRE_THROWS_WITH(scalars(range(2).concatenate(pairs)),
                        Catch::Contains("Dataset::concatenate: expected elements with the structure Tensor() in "
                                        "both datasets, got (Tensor(), Tensor())"));
}

TEST_CASE("cardinality follows tf.data through a whole pipeline", "[dataset]") {
    const auto ds = range(10);
    CHECK(ds.shuffle(4, {.seed = 1}).batch(3).cardinality() == 4);
    CHECK(ds.map([](const Element& e) { return e; }).prefetch(2).cache().cardinality() == 10);
    CHECK(ds.repeat().batch(4).cardinality() == infinite_cardinality);
    CHECK(ds.filter([](const Element&) { return true; }).batch(2).cardinality() == unknown_cardinality);
    CHECK(ds.filter([](const Element&) { return true; }).repeat().cardinality() == infinite_cardinality);
    CHECK(infinite_cardinality == -1);
    CHECK(unknown_cardinality == -2);
}

TEST_CASE("batch reports elements whose structures differ", "[dataset]") {
    const auto ds = range(4).map([](const Element& e) {
        return e.tensor().item() < 3.0f ? e : Element::tuple({e, e});
    });
    REQUIRE_THROWS_WITH(rows(ds.batch(2)), Catch::Contains("Dataset::batch: expected elements with the same "
                                                           "structure to stack, got Tensor() and (Tensor(), Tensor())"));
    CHECK(rows(ds.take(3).batch(2)) == Rows{{0, 1}, {2}});
    // A nested component whose shape changes: the message gives both shapes and the elements.
    const auto nested = range(3).map([](const Element& e) {
        return Element::tuple({e, Tensor::zeros({e.tensor().item() == 2.0f ? 3u : 2u})});
    });
    REQUIRE_THROWS_WITH(rows(nested.batch(3)), Catch::Contains("Dataset::batch: cannot stack tensors of different "
                                                               "shapes (2,) and (3,) (elements 0 and 2)"));
}

TEST_CASE("concatenate rejects dicts with different keys and nested differences", "[dataset]") {
    const auto xs = Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"x", Tensor({2})}});
    const auto ys = Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"y", Tensor({2})}});
    REQUIRE_THROWS_WITH(rows(xs.concatenate(ys)),
                        Catch::Contains("Dataset::concatenate: expected elements with the structure {'x': Tensor()} "
                                        "in both datasets, got {'y': Tensor()}"));
    const auto flat = Dataset::zip({range(2), range(2)});
    const auto deep = Dataset::zip({range(2), Dataset::zip({range(2)})});
    REQUIRE_THROWS_WITH(rows(flat.concatenate(deep)), Catch::Contains("got (Tensor(), (Tensor(),))"));
    // Shapes may differ, as in tf.data: only the structure must match.
    const auto wide = Dataset::from_tensor_slices(Element(Tensor({1, 3}, {7, 8, 9})));
    CHECK(rows(Dataset::from_tensor_slices(Element(Tensor({1, 2}, {1, 2}))).concatenate(wide)) == Rows{{1, 2}, {7, 8, 9}});
}

TEST_CASE("zip accepts any structures but needs at least one dataset", "[dataset]") {
    // tf.data zips datasets of any structures and lengths; only an empty list is an error.
    const auto mixed = Dataset::zip({range(3), Dataset::from_tensor_slices(std::map<std::string, Tensor>{
                                                   {"k", Tensor({2, 2}, {1, 2, 3, 4})}})});
    CHECK(mixed.begin()->structure() == "(Tensor(), {'k': Tensor(2,)})");
    CHECK(rows(mixed) == Rows{{0, 1, 2}, {1, 3, 4}});
    REQUIRE_THROWS_WITH(Dataset::zip(std::vector<Dataset>{}), Catch::Contains("Dataset::zip: expected at least one "
                                                                              "dataset, got none"));
    REQUIRE_THROWS_WITH(Dataset::zip(std::map<std::string, Dataset>{}), Catch::Contains("expected at least one dataset"));
}

// batch over from_tensor_slices (and take, skip, repeat, shuffle of it) copies each batch's rows
// straight from the source tensors; a map in between forces the element-by-element path. Both must
// give the same batches, in the same order, for every such pipeline.
TEST_CASE("batch gives the same batches from source rows as from elements", "[dataset]") {
    const Tensor x({10, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
    const Tensor y = Tensor::arange(10);
    const Dataset source = Dataset::from_tensor_slices({{"x", x}, {"y", y}});
    const kx::data::MapFn identity = [](const Element& e) { return e; };
    const std::vector<std::pair<const char*, std::function<Dataset(const Dataset&)>>> pipelines{
        {"slices", [](const Dataset& d) { return d; }},
        {"take", [](const Dataset& d) { return d.take(7); }},
        {"skip", [](const Dataset& d) { return d.skip(3); }},
        {"repeat", [](const Dataset& d) { return d.repeat(2); }},
        {"shuffle", [](const Dataset& d) { return d.shuffle(4, {.seed = 5}); }},
        {"skip, repeat, shuffle", [](const Dataset& d) { return d.skip(2).repeat(3).shuffle(6, {.seed = 9}).take(20); }},
    };
    for (const auto& [name, make] : pipelines) {
        INFO(name);
        const auto from_rows = rows(make(source).batch(3));
        const auto from_elements = rows(make(source.map(identity)).batch(3));
        REQUIRE(from_rows.size() == from_elements.size());
        CHECK(from_rows == from_elements);
    }
    // Spot check against hand-written values: skip(3).batch(3) starts with rows 3, 4, 5 (x then y).
    CHECK(rows(source.skip(3).batch(3)).front() == std::vector<float>{6, 7, 8, 9, 10, 11, 3, 4, 5});
}
