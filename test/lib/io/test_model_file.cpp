// Model files: save -> load gives bit-identical predictions and bit-identical continued training,
// for Sequential, functional multi-output and custom-layer models; weights-only files; JSON.
#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "io/safetensors.hpp"
#include "lib/io/io_test_files.hpp"
#include "support/blobs.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>

using Catch::Matchers::Contains;
using kx::io_test::TempDir;

namespace {

bool bit_identical(const kx::Tensor& a, const kx::Tensor& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool same_weights(const kx::Model& a, const kx::Model& b) {
    const auto wa = a.get_weights(), wb = b.get_weights();
    if (wa.size() != wb.size()) return false;
    for (std::size_t i = 0; i < wa.size(); ++i)
        if (!bit_identical(wa[i], wb[i])) return false;
    return true;
}

// y = x * alpha + beta, per feature; registered so that models holding it load.
class Affine : public kx::Layer {
public:
    explicit Affine(float initial_alpha = 1.0f, std::string name = {}) : Layer(std::move(name)), initial_alpha_(initial_alpha) {}
    void build(const kx::Shape& input_shape) override {
        alpha_ = add_weight("alpha", {input_shape.back()}, kx::initializers::Constant(initial_alpha_));
        beta_ = add_weight("beta", {input_shape.back()}, "zeros");
    }
    kx::Tensor call(const kx::Tensor& x, bool) override { return x * alpha_ + beta_; }
    nlohmann::json get_config() const override {
        nlohmann::json config = Layer::get_config();
        config["initial_alpha"] = initial_alpha_;
        return config;
    }

private:
    float initial_alpha_;
    kx::Variable alpha_, beta_;
};

void register_affine() {
    kx::layers::register_layer<Affine>("Affine", [](const nlohmann::json& c) {
        return kx::LayerHandle(Affine(c.at("initial_alpha").get<float>(), c.value("name", std::string())));
    });
}

// Trains `a` and `b` one more epoch from the same random state: equal weights after it mean the
// optimizer state came back too.
template <class X, class Y>
void expect_identical_continued_training(kx::Model& a, kx::Model& b, const X& x, const Y& y) {
    kx::utils::set_random_seed(99);
    a.fit(x, y, {.epochs = 1, .batch_size = 16, .verbose = 0});
    kx::utils::set_random_seed(99);
    b.fit(x, y, {.epochs = 1, .batch_size = 16, .verbose = 0});
    CHECK(same_weights(a, b));
}

}  // namespace

TEST_CASE("A saved Sequential model loads with bit-identical predictions and continues training identically", "[model-file]") {
    TempDir dir;
    kx::utils::set_random_seed(3);
    const Blobs data = make_blobs(96);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(16, "relu"), kx::layers::Dropout(0.1f),
                          kx::layers::Dense(3, "softmax")});
    model.compile({.optimizer = kx::optimizers::Adam(0.01), .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    model.fit(data.x, data.y, {.epochs = 2, .batch_size = 16, .verbose = 0});
    model.save(dir.file("model.kx"));

    const std::shared_ptr<kx::Model> loaded = kx::models::load_model(dir.file("model.kx"));
    CHECK(loaded->class_name() == "Sequential");
    CHECK(loaded->name() == model.name());
    CHECK(loaded->compiled());
    CHECK(loaded->optimizer().class_name() == "Adam");
    CHECK(loaded->optimizer().iterations() == model.optimizer().iterations());
    CHECK(loaded->optimizer().get_config() == model.optimizer().get_config());
    CHECK(loaded->get_config() == model.get_config());
    CHECK(bit_identical(loaded->predict(data.x), model.predict(data.x)));
    const kx::Logs original = model.evaluate(data.x, data.y, {.verbose = 0}), restored = loaded->evaluate(data.x, data.y, {.verbose = 0});
    CHECK(restored.at("loss") == original.at("loss"));
    CHECK(restored.at("accuracy") == original.at("accuracy"));
    expect_identical_continued_training(model, *loaded, data.x, data.y);
}

TEST_CASE("A functional multi-output model with a shared layer and a nested model round-trips exactly", "[model-file]") {
    TempDir dir;
    kx::utils::set_random_seed(5);
    const Blobs data = make_blobs(64);
    const kx::Tensor scores = data.x * 0.5f;
    const kx::SymbolicTensor left = kx::Input({2}, "left"), right = kx::Input({2}, "right");
    kx::LayerHandle shared = kx::layers::Dense(8, "tanh", "shared");
    kx::LayerHandle head = kx::Sequential({kx::layers::Dense(8, "relu"), kx::layers::Dense(3, "softmax")}, "head");
    const kx::SymbolicTensor merged = kx::layers::Concatenate()({(*shared)(left), (*shared)(right)});
    kx::Model model({left, right}, {(*head)(merged), kx::layers::Dense(2, "linear", "score")(merged)}, "two_heads");
    model.compile({.optimizer = kx::optimizers::SGD({.learning_rate = 0.05, .momentum = 0.9}),
                   .loss = {{"head", "sparse_categorical_crossentropy"}, {"score", kx::losses::Huber({.delta = 0.5})}},
                   .metrics = {{"head", {"accuracy"}}, {"score", {"mae"}}},
                   .loss_weights = {{"head", 1.0}, {"score", 0.3}}});
    const kx::Arrays x = {{"left", data.x}, {"right", data.x * -1.0f}}, y = {{"head", data.y}, {"score", scores}};
    model.fit(x, y, {.epochs = 1, .batch_size = 16, .verbose = 0});
    model.save(dir.file("graph.kx"));

    const std::shared_ptr<kx::Model> loaded = kx::models::load_model(dir.file("graph.kx"));
    CHECK(loaded->class_name() == "Functional");
    CHECK(loaded->input_names() == model.input_names());
    CHECK(loaded->output_names() == model.output_names());
    CHECK(loaded->get_config() == model.get_config());
    CHECK(loaded->get_compile_config() == model.get_compile_config());
    const kx::Tensors a = model.predict_outputs(x), b = loaded->predict_outputs(x);
    REQUIRE(b.size() == 2);
    CHECK(bit_identical(a[0], b[0]));
    CHECK(bit_identical(a[1], b[1]));
    const kx::Logs la = model.evaluate(x, y, {.verbose = 0}), lb = loaded->evaluate(x, y, {.verbose = 0});
    for (const auto& [key, value] : la) {
        INFO(key);
        CHECK(lb.at(key) == value);
    }
    expect_identical_continued_training(model, *loaded, x, y);
}

TEST_CASE("A model with a registered custom layer round-trips, and an unregistered one is a clear error", "[model-file]") {
    TempDir dir;
    register_affine();
    kx::utils::set_random_seed(8);
    const Blobs data = make_blobs(48);
    kx::Sequential model({kx::layers::Input({2}), Affine(2.0f, "affine"), kx::layers::Dense(3, "softmax")});
    model.compile({.optimizer = "rmsprop", .loss = "sparse_categorical_crossentropy"});
    model.fit(data.x, data.y, {.epochs = 1, .batch_size = 16, .verbose = 0});
    model.save(dir.file("custom.kx"));
    const std::shared_ptr<kx::Model> loaded = kx::models::load_model(dir.file("custom.kx"));
    CHECK(loaded->get_layer("affine")->class_name() == "Affine");
    CHECK(loaded->get_layer("affine")->get_config().at("initial_alpha") == 2.0);
    CHECK(bit_identical(loaded->predict(data.x), model.predict(data.x)));
    expect_identical_continued_training(model, *loaded, data.x, data.y);

    nlohmann::json config = nlohmann::json::parse(model.to_json());
    config["config"]["layers"][1]["class_name"] = "NotRegistered";
    CHECK_THROWS_WITH(kx::models::model_from_json(config.dump()), Contains("NotRegistered") && Contains("Dense"));
}

TEST_CASE("save_weights / load_weights restore weights into a model rebuilt from its JSON", "[model-file]") {
    TempDir dir;
    kx::utils::set_random_seed(11);
    const Blobs data = make_blobs(30);
    // No Input: the model learns its input shape from fit, and its config records it.
    kx::Sequential model({kx::layers::Dense(4, "relu", "hidden"), kx::layers::Dense(3, "softmax", "out")});
    model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
    model.fit(data.x, data.y, {.epochs = 1, .verbose = 0});
    model.save_weights(dir.file("w.kx"));

    const std::shared_ptr<kx::Model> fresh = kx::models::model_from_json(model.to_json());
    REQUIRE(fresh->built());
    CHECK(fresh->get_config() == model.get_config());
    CHECK_FALSE(bit_identical(fresh->predict(data.x), model.predict(data.x)));
    fresh->load_weights(dir.file("w.kx"));
    CHECK(bit_identical(fresh->predict(data.x), model.predict(data.x)));

    // A weights file is not a model file.
    CHECK_THROWS_WITH(kx::models::load_model(dir.file("w.kx")), Contains("w.kx") && Contains("weights only"));

    // A different architecture: an error naming the weight, and nothing changed.
    kx::Sequential other({kx::layers::Input({2}), kx::layers::Dense(5, "relu", "hidden"), kx::layers::Dense(3, "softmax", "out")});
    const auto before = other.get_weights();
    CHECK_THROWS_WITH(other.load_weights(dir.file("w.kx")),
                      Contains("w.kx") && Contains("layers/hidden/vars/0") && Contains("hidden/kernel") && Contains("(2, 4)") &&
                          Contains("(2, 5)"));
    const auto after = other.get_weights();
    for (std::size_t i = 0; i < before.size(); ++i) CHECK(bit_identical(before[i], after[i]));

    kx::Sequential fewer({kx::layers::Input({2}), kx::layers::Dense(3, "softmax", "out")});
    CHECK_THROWS_WITH(fewer.load_weights(dir.file("w.kx")), Contains("holds 4 weights") && Contains("has 2"));
}

TEST_CASE("load_model(compile = false) gives an uncompiled model with the same weights", "[model-file]") {
    TempDir dir;
    kx::utils::set_random_seed(12);
    kx::Sequential model({kx::layers::Input({3}), kx::layers::Dense(2, "linear", "out")});
    model.compile({.optimizer = "sgd", .loss = "mse"});
    model.save(dir.file("m.kx"));
    const auto loaded = kx::models::load_model(dir.file("m.kx"), false);
    CHECK_FALSE(loaded->compiled());
    CHECK(same_weights(*loaded, model));
    // An uncompiled model saves without a compile config and loads uncompiled.
    loaded->save(dir.file("plain.kx"));
    CHECK_FALSE(kx::models::load_model(dir.file("plain.kx"))->compiled());
    const kx::io::SafetensorsFile file = kx::io::read_safetensors(dir.file("plain.kx"));
    CHECK(file.meta("format") == "kerasxx");
    CHECK(file.meta("format_version") == "1");
    CHECK(file.meta("content") == "model");
    CHECK_FALSE(file.metadata.count("compile_config"));
    CHECK(file.tensors.size() == 2);
    CHECK(file.tensor("layers/out/vars/0").shape == std::vector<std::uint64_t>{3, 2});
}

TEST_CASE("The file holds Keras' model config and compile config, and the optimizer's state", "[model-file]") {
    TempDir dir;
    kx::utils::set_random_seed(13);
    const Blobs data = make_blobs(32);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3, "softmax", "probs")}, "tiny");
    model.compile({.optimizer = kx::optimizers::Adam(0.02), .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
    model.fit(data.x, data.y, {.epochs = 1, .batch_size = 8, .verbose = 0});
    model.save(dir.file("m.kx"));
    const kx::io::SafetensorsFile file = kx::io::read_safetensors(dir.file("m.kx"));
    const nlohmann::json config = nlohmann::json::parse(file.meta("model_config"));
    CHECK(config.at("class_name") == "Sequential");
    CHECK(config.at("config").at("name") == "tiny");
    CHECK(config.at("config").at("layers")[1].at("class_name") == "Dense");
    const nlohmann::json compile = nlohmann::json::parse(file.meta("compile_config"));
    CHECK(compile.at("optimizer").at("class_name") == "Adam");
    CHECK(compile.at("loss").at("class_name") == "SparseCategoricalCrossentropy");
    CHECK(compile.at("metrics") == nlohmann::json::array({"accuracy"}));
    // Iterations, then Adam's two moments per variable.
    const kx::io::TensorRecord& iterations = file.tensor("optimizer/vars/0");
    CHECK(iterations.dtype == "I64");
    std::int64_t steps = 0;
    std::memcpy(&steps, iterations.data.data(), sizeof steps);
    CHECK(steps == 4);
    const auto slots = model.optimizer().variables();
    REQUIRE(slots.size() == 4);
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const kx::io::TensorRecord& slot = file.tensor("optimizer/vars/" + std::to_string(i + 1));
        CHECK(std::memcmp(slot.data.data(), slots[i].data(), slot.data.size()) == 0);
    }
}

TEST_CASE("to_json and model_from_json rebuild a functional graph with the same config", "[model-file]") {
    const kx::SymbolicTensor in = kx::Input({6}, "pixels");
    const kx::SymbolicTensor h = kx::layers::Dense(4, "relu", "h")(in);
    const kx::SymbolicTensor sum = kx::layers::Add()({h, kx::layers::Dense(4, "linear", "skip")(in)});
    kx::Model model(in, kx::layers::Dense(2, "softmax", "out")(sum), "residual");
    const std::string json = model.to_json(2);
    const nlohmann::json parsed = nlohmann::json::parse(json);
    CHECK(parsed.at("class_name") == "Functional");
    CHECK(parsed.at("config").at("input_layers") == nlohmann::json::parse(R"([["pixels", 0, 0]])"));
    const auto rebuilt = kx::models::model_from_json(json);
    CHECK(rebuilt->to_json(2) == json);
    CHECK(rebuilt->count_params() == model.count_params());

    const nlohmann::json dense = {{"class_name", "Dense"}, {"config", kx::layers::Dense(2).get_config()}};
    CHECK_THROWS_WITH(kx::models::model_from_json(dense.dump()), Contains("expected a model config") && Contains("Dense"));
    CHECK_THROWS_WITH(kx::models::model_from_json("{not json"), Contains("model_from_json") && Contains("invalid JSON"));
}
