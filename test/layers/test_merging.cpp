#include "layer_test.hpp"
#include "support/values.hpp"

#include <kerasxx/kerasxx.hpp>

#include <nlohmann/json.hpp>

using Catch::Matchers::Contains;
using kx::Tensor;
using kx::layers::Add;
using kx::layers::Average;
using kx::layers::Concatenate;
using kx::layers::Dot;
using kx::layers::Maximum;
using kx::layers::Minimum;
using kx::layers::Multiply;
using kx::layers::Subtract;

namespace {
template <class L, class... Args>
std::function<kx::LayerHandle()> maker(Args... args) {
    return [=] { return kx::LayerHandle(L(args...)); };
}

const Tensor a({2, 3}, {1, 2, 3, 4, 5, 6});
const Tensor b({2, 3}, {10, 20, 30, 40, 50, 60});
const Tensor c({2, 3}, {0.5f, 4, 2, 3, 7, 1});
}  // namespace

TEST_CASE("elementwise merges pass the merge layer harness", "[layers][merging]") {
    const std::vector<std::function<kx::LayerHandle()>> any_count = {maker<Add>(), maker<Multiply>(), maker<Average>(),
                                                                      maker<Maximum>(), maker<Minimum>()};
    for (const auto& make : any_count) {
        run_merge_layer_test({.make = make, .input_shapes = {{2, 3}, {2, 3}}, .expected_output_shape = {2, 3}});
        run_merge_layer_test({.make = make, .input_shapes = {{2, 3}, {2, 3}, {2, 3}}, .expected_output_shape = {2, 3}});
        // Lower rank: (2, 4) is read as (2, 1, 4). Size-1 axes broadcast on either side.
        run_merge_layer_test({.make = make, .input_shapes = {{2, 3, 4}, {2, 4}}, .expected_output_shape = {2, 3, 4}});
        run_merge_layer_test({.make = make, .input_shapes = {{2, 1, 4}, {2, 3, 1}}, .expected_output_shape = {2, 3, 4}});
    }
    run_merge_layer_test({.make = maker<Subtract>(), .input_shapes = {{2, 3}, {2, 3}}, .expected_output_shape = {2, 3}});
    run_merge_layer_test({.make = maker<Subtract>(), .input_shapes = {{2, 4}, {2, 3, 4}}, .expected_output_shape = {2, 3, 4}});
}

TEST_CASE("Concatenate and Dot pass the merge layer harness", "[layers][merging]") {
    run_merge_layer_test({.make = maker<Concatenate>(), .input_shapes = {{2, 3}, {2, 2}}, .expected_output_shape = {2, 5}});
    run_merge_layer_test({.make = maker<Concatenate>(1),
                          .input_shapes = {{2, 2, 3}, {2, 1, 3}, {2, 3, 3}},
                          .expected_output_shape = {2, 6, 3}});
    run_merge_layer_test({.make = maker<Concatenate>(-2), .input_shapes = {{2, 2, 3}, {2, 1, 3}}, .expected_output_shape = {2, 3, 3}});

    run_merge_layer_test({.make = maker<Dot>(1), .input_shapes = {{2, 3}, {2, 3}}, .expected_output_shape = {2, 1}});
    run_merge_layer_test({.make = maker<Dot>(-1, kx::layers::DotOptions{.normalize = true}),
                          .input_shapes = {{2, 3}, {2, 3}},
                          .expected_output_shape = {2, 1}});
    run_merge_layer_test({.make = maker<Dot>(kx::layers::DotAxes{2, 1}),
                          .input_shapes = {{2, 2, 3}, {2, 3, 4}},
                          .expected_output_shape = {2, 2, 4}});
    run_merge_layer_test({.make = maker<Dot>(kx::layers::DotAxes{1, 2}),
                          .input_shapes = {{2, 3, 2}, {2, 4, 3}},
                          .expected_output_shape = {2, 2, 4}});
    run_merge_layer_test({.make = maker<Dot>(kx::layers::DotAxes{1, 2}, kx::layers::DotOptions{.normalize = true}),
                          .input_shapes = {{2, 3}, {2, 4, 3}},
                          .expected_output_shape = {2, 4}});
    run_merge_layer_test({.make = maker<Dot>(-1), .input_shapes = {{2, 2, 3}, {2, 4, 3}}, .expected_output_shape = {2, 2, 4}});
}

TEST_CASE("elementwise merges compute sums, differences, products, means and extrema", "[layers][merging]") {
    check_values(Add()({a, b}), {2, 3}, {11, 22, 33, 44, 55, 66}, 0);
    check_values(Add()({a, b, c}), {2, 3}, {11.5f, 26, 35, 47, 62, 67}, 0);
    check_values(Subtract()({b, a}), {2, 3}, {9, 18, 27, 36, 45, 54}, 0);
    check_values(Multiply()({a, c}), {2, 3}, {0.5f, 8, 6, 12, 35, 6}, 0);
    check_values(Multiply()({a, c, b}), {2, 3}, {5, 160, 180, 480, 1750, 360}, 0);
    check_values(Average()({a, b, c}), {2, 3}, {11.5f / 3, 26.f / 3, 35.f / 3, 47.f / 3, 62.f / 3, 67.f / 3}, 1e-5);
    check_values(Maximum()({a, c}), {2, 3}, {1, 4, 3, 4, 7, 6}, 0);
    check_values(Minimum()({a, c}), {2, 3}, {0.5f, 2, 2, 3, 5, 1}, 0);
    check_values(Maximum()({a, c, Tensor::full({2, 3}, 4.5f)}), {2, 3}, {4.5f, 4.5f, 4.5f, 4.5f, 7, 6}, 0);
    check_values(Minimum()({a, c, Tensor::full({2, 3}, 1.5f)}), {2, 3}, {0.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1}, 0);
}

TEST_CASE("elementwise merges align a lower-rank input after its batch axis, as Keras does", "[layers][merging]") {
    // (2, 2, 3) + (2, 3): the (2, 3) input is read as (2, 1, 3), so y[n, i, j] = x[n, i, j] + v[n, j]
    // (plain numpy alignment would add v[i, j] instead: 403 rather than 103 below).
    const Tensor x({2, 2, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    const Tensor v({2, 3}, {100, 200, 300, 400, 500, 600});
    check_values(Add()({x, v}), {2, 2, 3}, {100, 201, 302, 103, 204, 305, 406, 507, 608, 409, 510, 611}, 0);
    check_values(Subtract()({v, x}), {2, 2, 3}, {100, 199, 298, 97, 196, 295, 394, 493, 592, 391, 490, 589}, 0);
    // A size-1 feature axis broadcasts: (2, 1) against (2, 3) scales each row.
    check_values(Multiply()({Tensor({2, 1}, {2, -1}), a}), {2, 3}, {2, 4, 6, -4, -5, -6}, 0);
}

TEST_CASE("Concatenate joins its inputs along the axis", "[layers][merging]") {
    check_values(Concatenate()({a, b}), {2, 6}, {1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60}, 0);
    const Tensor x({2, 1, 2}, {1, 2, 3, 4});
    const Tensor y({2, 2, 2}, {5, 6, 7, 8, 9, 10, 11, 12});
    check_values(Concatenate(1)({x, y}), {2, 3, 2}, {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}, 0);
    check_values(Concatenate(-1)({x, x, x}), {2, 1, 6}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}, 0);
}

TEST_CASE("Dot takes per-sample dot products along the given axes", "[layers][merging]") {
    // Rows: 1*10 + 2*20 + 3*30 = 140, 4*40 + 5*50 + 6*60 = 770.
    check_values(Dot(1)({a, b}), {2, 1}, {140, 770}, 0);
    // normalize: cosine similarity. (3, 4).(4, 3) / (5 * 5) = 0.96; a zero vector gives 0, not NaN.
    check_values(Dot(1, {.normalize = true})({Tensor({2, 2}, {3, 4, 0, 0}), Tensor({2, 2}, {4, 3, 1, 1})}), {2, 1},
                 {0.96f, 0}, 1e-6);

    const Tensor x({1, 2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor y({1, 3, 2}, {1, 0, 0, 1, 1, 1});
    // axes (2, 1): the matrix product x[0] . y[0].
    check_values(Dot({2, 1})({x, y}), {1, 2, 2}, {4, 5, 10, 11}, 0);
    // axes (1, 2): out[i, j] = sum_k x[k, i] * y[j, k], x's columns against y's rows.
    check_values(Dot({1, 2})({x, y}), {1, 3, 3}, {1, 4, 5, 2, 5, 7, 3, 6, 9}, 0);
    // axes -1: x[0] . x[0]^T.
    check_values(Dot(-1)({x, x}), {1, 2, 2}, {14, 32, 32, 77}, 0);
    // Rank 3 with rank 2, either way round.
    check_values(Dot({2, 1})({x, Tensor({1, 3}, {1, 0, 2})}), {1, 2}, {7, 16}, 0);
    check_values(Dot(1)({Tensor({1, 2}, {1, -1}), x}), {1, 3}, {-3, -3, -3}, 0);
}

TEST_CASE("merges called on kx::Tensors run eagerly and return a tensor", "[layers][merging]") {
    const Tensor sum = Add()({a, b});
    CHECK(sum.to_vector() == std::vector<float>{11, 22, 33, 44, 55, 66});
    kx::LayerHandle shared = Concatenate();
    CHECK(shared({a, b}).shape() == kx::Shape{2, 6});
    CHECK(shared({b, a}).to_vector() == std::vector<float>{10, 20, 30, 1, 2, 3, 40, 50, 60, 4, 5, 6});
    CHECK(shared->input_shapes() == kx::Shapes{{kx::None, 3}, {kx::None, 3}});
}

TEST_CASE("merges build functional graphs that gradients flow through", "[layers][merging]") {
    const kx::SymbolicTensor in1 = kx::Input({3}), in2 = kx::Input({3});
    const kx::SymbolicTensor residual = Add()({in1, in2});
    CHECK(residual.shape() == kx::Shape{kx::None, 3});
    const kx::SymbolicTensor joined = Concatenate()({residual, Maximum()({in1, in2})});
    CHECK(joined.shape() == kx::Shape{kx::None, 6});
    const kx::SymbolicTensor score = Dot(1)({joined, joined});
    CHECK(score.shape() == kx::Shape{kx::None, 1});
    kx::Model model({in1, in2}, {score});

    // Row 0: a + c = (1.5, 6, 5), max = (1, 4, 3): 2.25 + 36 + 25 + 1 + 16 + 9 = 89.25.
    // Row 1: (7, 12, 7) and (4, 7, 6): 49 + 144 + 49 + 16 + 49 + 36 = 343.
    check_values(model({a, c}), {2, 1}, {89.25f, 343}, 1e-4);
    const auto result = kx::testing::check_gradients([&](const std::vector<Tensor>& in) { return model(in); }, {a * 0.1f, c * 0.1f});
    INFO(result.report);
    CHECK(result.ok);
}

TEST_CASE("merges take Keras' default names", "[layers][merging]") {
    kx::backend::clear_session();
    CHECK(Add().name() == "add");
    CHECK(Add().name() == "add_1");
    CHECK(Subtract().name() == "subtract");
    CHECK(Multiply().name() == "multiply");
    CHECK(Average().name() == "average");
    CHECK(Maximum().name() == "maximum");
    CHECK(Minimum().name() == "minimum");
    CHECK(Concatenate().name() == "concatenate");
    CHECK(Dot(1).name() == "dot");
    CHECK(Add("residual").name() == "residual");
    CHECK(Dot(1, {.name = "similarity"}).name() == "similarity");
}

TEST_CASE("merges write Keras config keys and read Keras configs", "[layers][merging]") {
    CHECK(Add("s").get_config() == nlohmann::json{{"name", "s"}, {"trainable", true}});
    CHECK(Concatenate(1, "c").get_config() == nlohmann::json{{"name", "c"}, {"trainable", true}, {"axis", 1}});
    CHECK(Dot(1, {.name = "d"}).get_config() ==
          nlohmann::json{{"name", "d"}, {"trainable", true}, {"axes", 1}, {"normalize", false}});
    CHECK(Dot({2, 1}, {.normalize = true, .name = "d"}).get_config() ==
          nlohmann::json{{"name", "d"}, {"trainable", true}, {"axes", {2, 1}}, {"normalize", true}});

    // As Keras 3 writes them.
    const kx::LayerHandle dot = kx::layers::deserialize(nlohmann::json::parse(R"({"class_name": "Dot",
        "config": {"name": "dot_7", "trainable": true, "dtype": "float32", "axes": [2, 1], "normalize": true}})"));
    CHECK(dot->name() == "dot_7");
    CHECK(dot->compute_output_shapes({{kx::None, 5, 3}, {kx::None, 3, 4}}) == kx::Shapes{{kx::None, 5, 4}});
    const kx::LayerHandle concat = kx::layers::deserialize(nlohmann::json::parse(
        R"({"class_name": "Concatenate", "config": {"name": "cat", "trainable": false, "dtype": "float32", "axis": 1}})"));
    CHECK(concat->get_config() == nlohmann::json{{"name", "cat"}, {"trainable", false}, {"axis", 1}});
    for (const char* name : {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}) {
        const kx::LayerHandle layer = kx::layers::deserialize({{"class_name", name}, {"config", {{"name", "m"}}}});
        CHECK(layer->class_name() == name);
        CHECK(layer->name() == "m");
    }
    REQUIRE_THROWS_WITH(kx::layers::deserialize({{"class_name", "Dot"}, {"config", {{"axes", {1, 2, 3}}}}}),
                        Contains("Dot") && Contains("axes") && Contains("[1,2,3]"));
}

TEST_CASE("merges reject a single input and, for Subtract and Dot, more than two", "[layers][merging]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(Add()(a), Contains("Add 'add': expected a list of at least 2 inputs, got 1 input with shape (None, 3)"));
    REQUIRE_THROWS_WITH(Maximum()({a}), Contains("Maximum 'maximum'") && Contains("at least 2 inputs") && Contains("(None, 3)"));
    REQUIRE_THROWS_WITH(Concatenate()(kx::Input({4})), Contains("Concatenate 'concatenate'") && Contains("at least 2") &&
                                                           Contains("(None, 4)"));
    REQUIRE_THROWS_WITH(Subtract()({a, b, c}),
                        Contains("Subtract 'subtract': expected a list of exactly 2 inputs, got 3 inputs with shapes "
                                 "(None, 3), (None, 3) and (None, 3)"));
    REQUIRE_THROWS_WITH(Dot(1)({a, b, c}), Contains("Dot 'dot'") && Contains("exactly 2 inputs"));
    REQUIRE_THROWS_WITH(Average().compute_output_shape({kx::None, 3}),
                        Contains("Average 'average'") && Contains("at least 2 inputs"));
}

TEST_CASE("elementwise merges reject incompatible shapes and batch sizes", "[layers][merging]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(Add()({kx::Input({3}), kx::Input({4})}),
                        Contains("Add 'add': inputs must have compatible shapes, got (None, 3) and (None, 4)"));
    REQUIRE_THROWS_WITH(Multiply()({kx::Input({2, 3}), kx::Input({3, 3}), kx::Input({3})}),
                        Contains("Multiply 'multiply': inputs must have compatible shapes, got (None, 2, 3), "
                                 "(None, 3, 3) and (None, 3)"));
    REQUIRE_THROWS_WITH(Minimum()({a, Tensor({2, 4})}),
                        Contains("Minimum 'minimum'") && Contains("(None, 3) and (None, 4)"));
    // Batch sizes are not broadcast, as in Keras: (1, 3) against (2, 3) is an error.
    REQUIRE_THROWS_WITH(Subtract()({a, Tensor({1, 3})}),
                        Contains("Subtract 'subtract': inputs must have the same batch size, got (2, 3) and (1, 3)"));
}

TEST_CASE("Concatenate rejects shapes that differ off the axis, and bad axes", "[layers][merging]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(Concatenate()({kx::Input({2, 3}), kx::Input({3, 3})}),
                        Contains("Concatenate 'concatenate': inputs must have the same shape except along the "
                                 "concatenation axis -1, got (None, 2, 3) and (None, 3, 3)"));
    REQUIRE_THROWS_WITH(Concatenate()({a, Tensor({3, 2})}),
                        Contains("Concatenate 'concatenate_1'") && Contains("(2, 3) and (3, 2)"));
    REQUIRE_THROWS_WITH(Concatenate()({kx::Input({3}), kx::Input({2, 3})}),
                        Contains("same rank") && Contains("(None, 3) and (None, 2, 3)"));
    REQUIRE_THROWS_WITH(Concatenate(2)({kx::Input({3}), kx::Input({3})}),
                        Contains("axis 2 is out of range for inputs of rank 2") && Contains("(None, 3) and (None, 3)"));
}

TEST_CASE("Dot rejects dot axes of different sizes and the batch axis", "[layers][merging]") {
    kx::backend::clear_session();
    REQUIRE_THROWS_WITH(Dot(1)({kx::Input({3}), kx::Input({4})}),
                        Contains("Dot 'dot': the dot axes must have the same size, got 3 (axis 1 of input 0) and 4 "
                                 "(axis 1 of input 1), input shapes (None, 3) and (None, 4)"));
    REQUIRE_THROWS_WITH(Dot({2, 1})({kx::Input({2, 3}), kx::Input({2, 3})}),
                        Contains("Dot 'dot_1'") && Contains("(None, 2, 3) and (None, 2, 3)"));
    REQUIRE_THROWS_WITH(Dot(0), Contains("Dot: axes must not include the batch axis 0, got axes=0"));
    REQUIRE_THROWS_WITH(Dot({1, 0}), Contains("axes=(1, 0)"));
    REQUIRE_THROWS_WITH(Dot(-2)({kx::Input({3}), kx::Input({3})}),
                        Contains("axes=-2 must name a non-batch axis of each input") && Contains("(None, 3) and (None, 3)"));
    REQUIRE_THROWS_WITH(Dot(3)({kx::Input({3}), kx::Input({3})}), Contains("axes=3"));
    REQUIRE_THROWS_WITH(Dot(1)({kx::Input({}), kx::Input({3})}),
                        Contains("rank 2 or more") && Contains("(None,) and (None, 3)"));
}
