#include "data_test_utils.hpp"

using kx::Tensor;
using kx::data::Dataset;
using kx::data::Element;
using kx::data::ElementSpec;
using kx::data::unknown_dim;
using kx::data::testing::range;

namespace {
Dataset pairs() { return Dataset::from_tensor_slices({Tensor({6, 3}), Tensor({6})}); }
std::string spec_of(const Dataset& ds) { return ds.element_spec() ? ds.element_spec()->str() : "unknown"; }
}  // namespace

TEST_CASE("ElementSpec matches elements by structure, rank and known dimensions", "[dataset]") {
    const auto spec = ElementSpec::dict({{"y", ElementSpec::tensor({})}, {"x", ElementSpec::tensor({unknown_dim, 3})}});
    CHECK(spec.str() == "{'x': Tensor(None, 3), 'y': Tensor()}");
    CHECK(spec.matches(Element::dict({{"x", Tensor({5, 3})}, {"y", Tensor::scalar(1)}})));
    CHECK(spec.matches(Element::dict({{"x", Tensor({0, 3})}, {"y", Tensor::scalar(1)}})));
    CHECK_FALSE(spec.matches(Element::dict({{"x", Tensor({5, 4})}, {"y", Tensor::scalar(1)}})));   // known dim
    CHECK_FALSE(spec.matches(Element::dict({{"x", Tensor({3})}, {"y", Tensor::scalar(1)}})));      // rank
    CHECK_FALSE(spec.matches(Element::dict({{"x", Tensor({5, 3})}, {"z", Tensor::scalar(1)}})));   // key
    CHECK_FALSE(spec.matches(Element::tuple({Tensor({5, 3}), Tensor::scalar(1)})));                // kind
    CHECK(ElementSpec::of(Element::tuple({Tensor({2}), Tensor::scalar(0)})).str() == "(Tensor(2,), Tensor())");
    CHECK(ElementSpec::tuple({ElementSpec::tensor({1})}).str() == "(Tensor(1,),)");
    CHECK_FALSE(spec.fully_defined());
    CHECK(ElementSpec::tensor({2, 3}).fully_defined());
}

TEST_CASE("ElementSpec merge keeps the dimensions both agree on", "[dataset]") {
    const auto a = ElementSpec::tuple({ElementSpec::tensor({4, 3}), ElementSpec::tensor({})});
    const auto b = ElementSpec::tuple({ElementSpec::tensor({2, 3}), ElementSpec::tensor({})});
    CHECK(a.merge(b).str() == "(Tensor(None, 3), Tensor())");
    CHECK(a.merge(a) == a);
    REQUIRE_THROWS_WITH(a.merge(ElementSpec::tensor({4, 3})),
                        Catch::Contains("expected the same structure and ranks, got (Tensor(4, 3), Tensor()) and "
                                        "Tensor(4, 3)"));
    REQUIRE_THROWS_WITH(ElementSpec::tensor({-2}), Catch::Contains("expected dimensions >= 0 or unknown_dim (-1), got -2"));
    REQUIRE_THROWS_WITH(ElementSpec::dict({{"a", ElementSpec()}, {"a", ElementSpec()}}), Catch::Contains("duplicate key 'a'"));
}

TEST_CASE("element_spec follows every transformation without running the pipeline", "[dataset]") {
    CHECK(spec_of(pairs()) == "(Tensor(3,), Tensor())");
    CHECK(spec_of(Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"x", Tensor({6, 2, 2})}})) ==
          "{'x': Tensor(2, 2)}");
    CHECK(spec_of(pairs().batch(4)) == "(Tensor(None, 3), Tensor(None,))");
    CHECK(spec_of(pairs().batch(4, true)) == "(Tensor(4, 3), Tensor(4,))");
    CHECK(spec_of(pairs().batch(4).unbatch()) == "(Tensor(3,), Tensor())");
    CHECK(spec_of(pairs().unbatch()) == "unknown");   // the scalar labels cannot be unbatched
    CHECK(spec_of(pairs().shuffle(2, {.seed = 1}).take(3).skip(1).repeat(2).filter([](const Element&) {
        return true;
    }).prefetch(2).cache()) == "(Tensor(3,), Tensor())");
    CHECK(spec_of(pairs().map([](const Element& e) { return e; })) == "unknown");
    CHECK(spec_of(Dataset::zip({pairs(), range(2)})) == "((Tensor(3,), Tensor()), Tensor())");
    CHECK(spec_of(Dataset::zip(std::map<std::string, Dataset>{{"b", range(2)}, {"a", pairs()}})) ==
          "{'a': (Tensor(3,), Tensor()), 'b': Tensor()}");
    CHECK(spec_of(Dataset::zip({pairs().map([](const Element& e) { return e; }), range(2)})) == "unknown");
    CHECK(spec_of(pairs().batch(4, true).concatenate(pairs().batch(2, true))) == "(Tensor(None, 3), Tensor(None,))");
    CHECK(spec_of(range(3).concatenate(pairs())) == "unknown");
}
