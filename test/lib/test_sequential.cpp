#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

using Catch::Matchers::Contains;

namespace {
kx::Sequential mlp() {
    kx::backend::clear_session();
    return kx::Sequential({
        kx::layers::Input({28, 28}),
        kx::layers::Flatten(),
        kx::layers::Dense(256, "relu"),
        kx::layers::Dropout(0.2f),
        kx::layers::Dense(10),
    });
}
}  // namespace

TEST_CASE("Sequential built from a list with an Input is built at once", "[sequential]") {
    kx::Sequential model = mlp();
    CHECK(model.built());
    CHECK(model.name() == "sequential");
    CHECK(model.layers().size() == 4);   // the Input is not a layer of the model, as in Keras
    CHECK(model.output_shape() == kx::Shape{kx::None, 10});
    CHECK(model.count_params() == 784 * 256 + 256 + 256 * 10 + 10);
    CHECK(model.weights().size() == 4);
}

TEST_CASE("Sequential add, pop, layers and get_layer", "[sequential]") {
    kx::backend::clear_session();
    kx::Sequential model;
    model.add(kx::layers::Dense(4, "relu"));
    model.add(kx::layers::Dense(2));
    CHECK_FALSE(model.built());
    CHECK(model.get_layer("dense_1")->name() == "dense_1");
    CHECK(model.get_layer(0)->name() == "dense");
    const kx::Tensor y = model(kx::Tensor::ones({3, 5}));   // built on the first batch
    CHECK(y.shape() == kx::Shape{3, 2});
    CHECK(model.built());
    model.add(kx::layers::Dense(7));                         // built right away on the previous output
    CHECK(model.get_layer("dense_2")->built());
    CHECK(model.get_layer("dense_2")->input_shape() == kx::Shape{kx::None, 2});
    model.pop();
    CHECK(model.layers().size() == 2);
    REQUIRE_THROWS_WITH(model.get_layer("dense_9"), Contains("no such layer: 'dense_9'") && Contains("dense, dense_1"));
    REQUIRE_THROWS_WITH(model.get_layer(5), Contains("index 5") && Contains("only has 2 layers"));
}

TEST_CASE("Sequential shares a layer object added through a shared_ptr", "[sequential]") {
    auto dense = std::make_shared<kx::layers::Dense>(3);
    kx::Sequential model({kx::layers::Input({2}), dense});
    CHECK(model.get_layer(0).get() == dense.get());
    CHECK(dense->built());
}

TEST_CASE("Sequential rejects misplaced Inputs, duplicate names and wrong input shapes", "[sequential]") {
    kx::backend::clear_session();
    kx::Sequential model({kx::layers::Input({4}), kx::layers::Dense(2, "linear", "out")});
    REQUIRE_THROWS_WITH(model.add(kx::layers::Input({3})), Contains("Input may only be the first layer"));
    REQUIRE_THROWS_WITH(model.add(kx::layers::Dense(2, "linear", "out")), Contains("unique names") && Contains("'out'"));
    REQUIRE_THROWS_WITH(model(kx::Tensor({2, 5})), Contains("(None, 4)") && Contains("(2, 5)"));
    kx::Sequential empty;
    REQUIRE_THROWS_WITH(empty.pop(), Contains("no layers to pop"));
    REQUIRE_THROWS_WITH(empty.summary(), Contains("not yet been built"));
}

TEST_CASE("Sequential summary prints Keras' table", "[sequential][summary]") {
    kx::Sequential model = mlp();
    model.get_layer("dense")->set_trainable(false);
    std::ostringstream out;
    model.summary(out);
    const std::string expected =
        "Model: \"sequential\"\n"
        "_________________________________________________________________\n"
        "Layer (type)                 Output Shape              Param #   \n"
        "=================================================================\n"
        "flatten (Flatten)            (None, 784)               0         \n"
        "_________________________________________________________________\n"
        "dense (Dense)                (None, 256)               200960    \n"
        "_________________________________________________________________\n"
        "dropout (Dropout)            (None, 256)               0         \n"
        "_________________________________________________________________\n"
        "dense_1 (Dense)              (None, 10)                2570      \n"
        "=================================================================\n"
        "Total params: 203,530\n"
        "Trainable params: 2,570\n"
        "Non-trainable params: 200,960\n"
        "_________________________________________________________________\n";
    CHECK(out.str() == expected);
}

TEST_CASE("Sequential config lists its layers and round-trips through the registry", "[sequential]") {
    kx::Sequential model = mlp();
    const nlohmann::json config = model.get_config();
    REQUIRE(config["layers"].size() == 5);
    CHECK(config["layers"][0]["class_name"] == "InputLayer");
    CHECK(config["layers"][2]["class_name"] == "Dense");
    CHECK(config["layers"][2]["config"]["units"] == 256);
    kx::LayerHandle copy = kx::layers::deserialize({{"class_name", "Sequential"}, {"config", config}});
    CHECK(copy->built());
    CHECK(copy->get_config() == config);
}
