// The functional API: symbolic tensors, graphs of layer calls, validation, shared layers, nested
// models, feature extraction and the graph summary.
#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/values.hpp"

#include <sstream>

using Catch::Matchers::Contains;

namespace {
// A custom two-input layer: the list forms of the Layer API.
class Sum : public kx::Layer {
public:
    kx::Tensors call_multi(const kx::Tensors& inputs, bool) override {
        kx::Tensor total = inputs.at(0);
        for (std::size_t i = 1; i < inputs.size(); ++i) total = total + inputs[i];
        return {total};
    }
    kx::Shapes compute_output_shapes(const kx::Shapes& shapes) override { return {shapes.at(0)}; }
};

kx::Shape shape_of(const kx::SymbolicTensor& x) { return x.shape(); }

// A Dense layer with the given kernel and bias.
kx::LayerHandle dense_with(const std::string& name, const kx::Tensor& kernel, const kx::Tensor& bias) {
    kx::LayerHandle layer = kx::layers::Dense(kernel.shape()[1], "linear", name);
    layer->ensure_built({kx::None, kernel.shape()[0]});
    layer->set_weights({kernel, bias});
    return layer;
}

void register_sum() {
    kx::layers::register_layer<Sum>("Sum", [](const nlohmann::json&) { return kx::LayerHandle(Sum()); });
}
}  // namespace

TEST_CASE("Input gives a symbolic tensor and calling layers on it records shapes", "[functional]") {
    kx::backend::clear_session();
    const kx::SymbolicTensor in = kx::Input({4}, "features");
    CHECK(shape_of(in) == kx::Shape{kx::None, 4});
    CHECK(in.name() == "features");
    CHECK(in.layer().class_name() == "InputLayer");
    const kx::SymbolicTensor h = kx::layers::Dense(3, "relu")(in);
    CHECK(h.shape() == kx::Shape{kx::None, 3});
    CHECK(h.name() == "dense");
    CHECK(h.layer().built());
    CHECK(h.layer().input_shape() == kx::Shape{kx::None, 4});
    const kx::SymbolicTensor unnamed = kx::Input({2, 5});
    CHECK(unnamed.name() == "input_layer");
    CHECK(kx::layers::Flatten()(unnamed).shape() == kx::Shape{kx::None, 10});
}

TEST_CASE("A diamond graph computes both branches and joins them", "[functional]") {
    register_sum();
    const kx::SymbolicTensor in = kx::Input({2});
    kx::LayerHandle left = dense_with("left", kx::Tensor({2, 2}, {1, 2, 3, 4}), kx::Tensor({2}, {0.5f, -0.5f}));
    kx::LayerHandle right = dense_with("right", kx::Tensor({2, 2}, {-1, 0, 0, 1}), kx::Tensor({2}, {1, 1}));
    const kx::SymbolicTensor joined = Sum()({left(in), right(in)});
    kx::Model model({in}, {joined}, "diamond");
    CHECK(model.class_name() == "Functional");
    CHECK(model.layers().size() == 4);   // input, left, right, sum
    CHECK(model.weights().size() == 4);
    // x = (1, 2): left = (1*1 + 2*3 + 0.5, 1*2 + 2*4 - 0.5) = (7.5, 9.5); right = (-1 + 1, 2 + 1) = (0, 3)
    const kx::Tensor y = model.predict(kx::Tensor({1, 2}, {1, 2}));
    check_values(y, {1, 2}, {7.5f, 12.5f}, 1e-5);
    // The model is a layer: calling it eagerly gives the same.
    check_values(model(kx::Tensor({1, 2}, {1, 2})), {7.5f, 12.5f}, 1e-5);
}

TEST_CASE("A residual block trains through the skip connection", "[functional]") {
    register_sum();
    kx::utils::set_random_seed(3);
    const kx::SymbolicTensor in = kx::Input({4});
    const kx::SymbolicTensor h = kx::layers::Dense(8, "relu")(in);
    const kx::SymbolicTensor r = kx::layers::Dense(4)(h);
    const kx::SymbolicTensor out = kx::layers::Dense(1)(Sum()({in, r}));
    kx::Model model({in}, {out});
    // The skip connection: with the residual branch's last layer zeroed, the model is the head on x.
    auto residual = model.get_layer(2);
    residual->set_weights({kx::Tensor::zeros({8, 4}), kx::Tensor::zeros({4})});
    auto head = model.get_layer(4);
    head->set_weights({kx::Tensor({4, 1}, {1, 1, 1, 1}), kx::Tensor({1}, {0})});
    check_values(model.predict(kx::Tensor({1, 4}, {1, 2, 3, 4})), {1, 1}, {10}, 1e-5);

    // y = sum of x: the model learns it.
    kx::Tensor x = kx::Tensor::empty({64, 4});
    kx::Tensor y = kx::Tensor::empty({64, 1});
    for (std::size_t i = 0; i < 64; ++i) {
        float s = 0;
        for (std::size_t j = 0; j < 4; ++j) s += x.data()[i * 4 + j] = static_cast<float>((i * 7 + j * 3) % 11) / 11.0f - 0.5f;
        y.data()[i] = 2 * s;
    }
    model.compile({.optimizer = kx::optimizers::Adam(0.01), .loss = "mse"});
    const double before = model.evaluate(x, y, {.verbose = 0}).at("loss");
    model.fit(x, y, {.epochs = 60, .batch_size = 16, .verbose = 0});
    const double after = model.evaluate(x, y, {.verbose = 0}).at("loss");
    CHECK(after < before * 0.05);
}

TEST_CASE("A shared layer has one set of weights and sums the gradients of its uses", "[functional]") {
    register_sum();
    const kx::SymbolicTensor a = kx::Input({2}, "a");
    const kx::SymbolicTensor b = kx::Input({2}, "b");
    kx::LayerHandle shared = dense_with("shared", kx::Tensor({2, 1}, {1, 1}), kx::Tensor({1}, {0}));
    kx::Model model({a, b}, {Sum()({shared(a), shared(b)})});
    CHECK(model.weights().size() == 2);
    CHECK(shared->inbound_node_count() == 2);
    REQUIRE_THROWS_WITH(shared->output(), Contains("has been called 2 times") && Contains("output_at"));
    CHECK(shared->output_at(1).at(0).shape() == kx::Shape{kx::None, 1});

    // d(sum of outputs)/d(kernel) = sum over the batch of x_a + x_b; d/d(bias) = 2 per sample.
    const kx::Tensor xa({2, 2}, {1, 2, 3, 4}), xb({2, 2}, {10, 20, 30, 40});
    const kx::Tensor y = model.apply({xa, xb}, true).at(0);
    kx::backward(kx::ops::sum(y));
    const std::vector<kx::Variable> w = shared->weights();
    check_values(w[0].grad(), {2, 1}, {1 + 3 + 10 + 30, 2 + 4 + 20 + 40}, 1e-4);
    check_values(w[1].grad(), {1}, {4}, 1e-5);
}

TEST_CASE("A nested model trains when trainable and keeps its weights when frozen", "[functional]") {
    kx::utils::set_random_seed(11);
    const kx::SymbolicTensor inner_in = kx::Input({3});
    kx::LayerHandle inner = kx::Model(inner_in, kx::layers::Dense(4, "tanh")(inner_in), "encoder");
    const kx::SymbolicTensor in = kx::Input({3});
    kx::Model model(in, kx::layers::Dense(1)(inner(in)));
    CHECK(model.layers().size() == 3);
    CHECK(model.get_layer("encoder") == inner);
    CHECK(model.trainable_weights().size() == 4);

    const kx::Tensor x({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1});
    const kx::Tensor y({4, 1}, {1, -1, 0.5f, 2});
    model.compile({.optimizer = "sgd", .loss = "mse"});

    inner->set_trainable(false);
    CHECK(model.trainable_weights().size() == 2);
    CHECK(model.non_trainable_weights().size() == 2);
    const std::vector<kx::Tensor> frozen = inner->get_weights();
    const std::vector<kx::Tensor> head = model.get_layer(2)->get_weights();
    model.fit(x, y, {.epochs = 2, .batch_size = 4, .verbose = 0});
    CHECK(inner->get_weights()[0].to_vector() == frozen[0].to_vector());
    CHECK(model.get_layer(2)->get_weights()[0].to_vector() != head[0].to_vector());

    inner->set_trainable(true);
    CHECK(model.trainable_weights().size() == 4);
    model.fit(x, y, {.epochs = 2, .batch_size = 4, .verbose = 0});
    CHECK(inner->get_weights()[0].to_vector() != frozen[0].to_vector());
}

TEST_CASE("An intermediate layer's output makes a feature extractor that shares weights", "[functional]") {
    kx::utils::set_random_seed(2);
    kx::Sequential sequential({kx::layers::Input({4}), kx::layers::Dense(6, "relu", "hidden"), kx::layers::Dense(2, "linear", "head")});
    const kx::Tensor x({3, 4}, {1, 2, 3, 4, -1, 0, 1, 2, 0.5f, 0.5f, -2, 1});
    kx::Model features(sequential.inputs(), sequential.get_layer("hidden")->output());
    const kx::Tensor got = features.predict(x);
    const kx::Tensor expected = (*sequential.get_layer("hidden"))(x);
    CHECK(got.shape() == kx::Shape{3, 6});
    CHECK(got.to_vector() == expected.to_vector());

    // The same from a functional model, through a name.
    const kx::SymbolicTensor in = kx::Input({4});
    const kx::SymbolicTensor h = kx::layers::Dense(5, "relu", "conv2")(in);
    kx::Model model(in, kx::layers::Dense(1)(h));
    kx::Model extractor(model.inputs(), {model.get_layer("conv2")->output()});
    CHECK(extractor.predict(x).to_vector() == (*model.get_layer("conv2"))(x).to_vector());
    CHECK(extractor.weights().size() == 2);
}

TEST_CASE("Sequential and functional models nest in each other", "[functional]") {
    kx::utils::set_random_seed(4);
    kx::LayerHandle block = kx::Sequential({kx::layers::Dense(4, "relu"), kx::layers::Dense(3)});
    const kx::SymbolicTensor in = kx::Input({2});
    kx::LayerHandle functional = kx::Model(in, block(in));
    kx::Sequential outer({kx::layers::Input({2}), functional, kx::layers::Dense(1)});
    const kx::Tensor x({2, 2}, {1, 2, 3, 4});
    const kx::Tensor expected = (*outer.get_layer(1))((*block)(x));
    CHECK(outer.predict(x).to_vector() == expected.to_vector());
    CHECK(outer.weights().size() == 6);
    outer.compile({.optimizer = "adam", .loss = "mse"});
    CHECK(std::isfinite(outer.fit(x, kx::Tensor({2, 1}, {1, 0}), {.epochs = 1, .verbose = 0}).history.at("loss")[0]));
}

TEST_CASE("Graph errors name the model, the layers and the shapes", "[functional]") {
    register_sum();
    const kx::SymbolicTensor a = kx::Input({3}, "a");
    const kx::SymbolicTensor b = kx::Input({3}, "b");
    const kx::SymbolicTensor from_a = kx::layers::Dense(2, "linear", "from_a")(a);
    const kx::SymbolicTensor from_b = kx::layers::Dense(2, "linear", "from_b")(b);
    SECTION("an output that depends on an input the model was not given") {
        REQUIRE_THROWS_WITH(kx::Model({a}, {Sum()({from_a, from_b})}, "m1"),
                            Contains("Functional 'm1'") && Contains("depends on input 'b'") && Contains("disconnected"));
    }
    SECTION("an input no output depends on") {
        REQUIRE_THROWS_WITH(kx::Model({a, b}, {from_a}, "m2"),
                            Contains("input 1 ('b') is not connected to any output ['from_a']"));
    }
    SECTION("an input that is not from kx::Input") {
        REQUIRE_THROWS_WITH(kx::Model({from_a}, {kx::layers::Dense(1)(from_a)}, "m3"),
                            Contains("model inputs must come from kx::Input") && Contains("Dense 'from_a'"));
    }
    SECTION("two layers with one name") {
        const kx::SymbolicTensor twin = kx::layers::Dense(2, "linear", "from_a")(b);
        REQUIRE_THROWS_WITH(kx::Model({a, b}, {Sum()({from_a, twin})}, "m4"),
                            Contains("the name 'from_a' is used by two layers"));
    }
    SECTION("the wrong number of inputs for a layer") {
        REQUIRE_THROWS_WITH(kx::layers::Dense(2, "linear", "pair")({a, b}),
                            Contains("Dense 'pair': expected 1 input, got 2 inputs with shapes"));
    }
    SECTION("a shape the layer was not built for") {
        kx::LayerHandle dense = kx::layers::Dense(2, "linear", "built_for_3");
        dense(a);
        REQUIRE_THROWS_WITH(dense(kx::Input({4})), Contains("Dense 'built_for_3': expected input shape (None, 3), got (None, 4)"));
    }
    SECTION("a named layer that no handle shares") {
        kx::layers::Dense local(2, "linear", "local");
        REQUIRE_THROWS_WITH(local(a), Contains("Dense 'local': a layer called on symbolic tensors must be shared") &&
                                          Contains("kx::LayerHandle"));
    }
    SECTION("a temporary of an unregistered custom class") {
        class Unregistered : public kx::Layer {
        public:
            kx::Tensor call(const kx::Tensor& x, bool) override { return x; }
        };
        REQUIRE_THROWS_WITH(Unregistered()(a), Contains("must be registered (kx::layers::register_layer<Unregistered>"));
    }
}

TEST_CASE("A graph's layers are found by name and their calls by index", "[functional]") {
    const kx::SymbolicTensor in = kx::Input({2}, "x");
    const kx::SymbolicTensor y = kx::layers::Dense(1, "linear", "out")(in);
    kx::Model model(in, y, "finder");
    CHECK(model.input_names() == std::vector<std::string>{"x"});
    CHECK(model.output_names() == std::vector<std::string>{"out"});
    CHECK(model.get_layer("out")->output() == y);
    CHECK(model.get_layer("out")->input() == in);
    REQUIRE_THROWS_WITH(model.get_layer("missing"), Contains("no such layer: 'missing'. Existing layers are: [x, out]"));
    const nlohmann::json config = model.get_config();
    CHECK(config["layers"][1]["inbound_nodes"] == nlohmann::json::parse(R"([[["x", 0, 0]]])"));
    CHECK(config["output_layers"] == nlohmann::json::parse(R"([["out", 0, 0]])"));
}

TEST_CASE("summary() of a graph prints Keras' Connected to column", "[functional]") {
    kx::backend::clear_session();
    register_sum();
    const kx::SymbolicTensor in = kx::Input({4}, "pixels");
    const kx::SymbolicTensor h = kx::layers::Dense(3, "relu", "hidden")(in);
    const kx::SymbolicTensor skip = kx::layers::Dense(3, "linear", "skip")(in);
    kx::LayerHandle frozen = kx::layers::Dense(2, "linear", "frozen");
    const kx::SymbolicTensor out = frozen(Sum()({h, skip}));
    frozen->set_trainable(false);
    kx::Model model(in, out, "graph");
    std::ostringstream printed;
    model.summary(printed);
    const std::string expected =
        "Model: \"graph\"\n"
        "__________________________________________________________________________________________________\n"
        "Layer (type)                    Output Shape         Param #     Connected to                     \n"
        "==================================================================================================\n"
        "pixels (InputLayer)             [(None, 4)]          0                                            \n"
        "__________________________________________________________________________________________________\n"
        "hidden (Dense)                  (None, 3)            15          pixels[0][0]                     \n"
        "__________________________________________________________________________________________________\n"
        "skip (Dense)                    (None, 3)            15          pixels[0][0]                     \n"
        "__________________________________________________________________________________________________\n"
        "sum (Sum)                       (None, 3)            0           hidden[0][0]                     \n"
        "                                                                 skip[0][0]                       \n"
        "__________________________________________________________________________________________________\n"
        "frozen (Dense)                  (None, 2)            8           sum[0][0]                        \n"
        "==================================================================================================\n"
        "Total params: 38\n"
        "Trainable params: 30\n"
        "Non-trainable params: 8\n"
        "__________________________________________________________________________________________________\n";
    CHECK(printed.str() == expected);
}
