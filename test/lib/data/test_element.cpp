#include "data_test_utils.hpp"

using kx::Tensor;
using kx::data::Element;

TEST_CASE("Element holds a single tensor, a tuple by position or a dict by sorted key", "[dataset]") {
    const Element single = Tensor({2}, {1, 2});
    CHECK(single.is_tensor());
    CHECK(single.tensor().to_vector() == std::vector<float>{1, 2});

    const auto pair = Element::tuple({single, Tensor::scalar(5)});
    CHECK(pair.is_tuple());
    CHECK(pair.size() == 2);
    CHECK(pair[1].tensor().item() == 5.0f);

    const auto named = Element::dict({{"y", Tensor::scalar(3)}, {"x", single}});
    CHECK(named.is_dict());
    CHECK(named.keys() == std::vector<std::string>{"x", "y"});
    CHECK(named["y"].tensor().item() == 3.0f);
    CHECK(named.contains("x"));
    CHECK_FALSE(named.contains("z"));
    // flatten follows the sorted keys: x's values, then y's
    CHECK(named.flatten().size() == 2);
    CHECK(named.flatten()[0].to_vector() == std::vector<float>{1, 2});
}

TEST_CASE("Element structure prints shapes and nesting like tf.data", "[dataset]") {
    const auto e = Element::tuple({Tensor({2, 3}), Element::dict({{"y", Tensor::scalar(0)}, {"a", Tensor({4})}})});
    CHECK(e.structure() == "(Tensor(2, 3), {'a': Tensor(4,), 'y': Tensor()})");
    CHECK(Element::tuple({Tensor({1})}).structure() == "(Tensor(1,),)");
}

TEST_CASE("Element same_structure compares nesting and keys, not shapes", "[dataset]") {
    const auto a = Element::tuple({Tensor({2}), Element::dict({{"k", Tensor({1})}})});
    const auto b = Element::tuple({Tensor({5, 5}), Element::dict({{"k", Tensor::scalar(1)}})});
    const auto c = Element::tuple({Tensor({2}), Element::dict({{"j", Tensor({1})}})});
    CHECK(a.same_structure(b));
    CHECK_FALSE(a.same_structure(c));
    CHECK_FALSE(a.same_structure(Element(Tensor({2}))));
}

TEST_CASE("Element accessors name the structure they got", "[dataset]") {
    const auto pair = Element::tuple({Tensor::scalar(1), Tensor::scalar(2)});
    REQUIRE_THROWS_WITH(pair.tensor(), Catch::Contains("expected a single tensor") &&
                                           Catch::Contains("(Tensor(), Tensor())"));
    REQUIRE_THROWS_WITH(pair[2], Catch::Contains("index out of range for a tuple of 2 items"));
    REQUIRE_THROWS_WITH(pair["x"], Catch::Contains("expected a dict"));
    const auto named = Element::dict({{"b", Tensor::scalar(1)}, {"a", Tensor::scalar(2)}});
    REQUIRE_THROWS_WITH(named["c"], Catch::Contains("no such key; the keys are 'a', 'b'"));
    REQUIRE_THROWS_WITH(Element::dict({{"a", Tensor::scalar(1)}, {"a", Tensor::scalar(2)}}),
                        Catch::Contains("duplicate key 'a'"));
}
