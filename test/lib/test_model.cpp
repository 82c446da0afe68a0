#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

using Catch::Matchers::Contains;

namespace {
// A Keras-style custom training step: the default step, plus a count of calls.
class CountingModel : public kx::Sequential {
public:
    using kx::Sequential::Sequential;
    kx::Logs train_step(const kx::Tensors& x, const kx::Tensors& y, const kx::Tensor& w) override {
        ++steps;
        kx::Logs logs = kx::Sequential::train_step(x, y, w);
        logs["steps"] = steps;
        return logs;
    }
    int steps = 0;
};

// A training step written from the public pieces, as a user overriding train_step would.
class ManualStepModel : public kx::Sequential {
public:
    using kx::Sequential::Sequential;
    kx::Logs train_step(const kx::Tensors& x, const kx::Tensors& y, const kx::Tensor& w) override {
        const kx::Tensor y_pred = (*this)(x, true);
        const kx::Tensor loss = compiled_loss(y, {y_pred}, w);
        const std::vector<kx::Variable> vars = trainable_weights();
        for (const kx::Variable& v : vars) v.clear_grad();
        kx::backward(loss);
        optimizer().apply_gradients(vars);
        return update_metrics(y, {y_pred.detach()}, w, loss.item());
    }
};
}  // namespace

TEST_CASE("A model's train_step can be overridden and fit uses it", "[model]") {
    const Blobs data = make_blobs(40);
    CountingModel model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    const kx::History h = model.fit(data.x, data.y, {.epochs = 2, .batch_size = 10, .verbose = 0});
    CHECK(model.steps == 8);
    CHECK(h.history.at("steps") == std::vector<double>{4, 8});
}

TEST_CASE("A hand-written train_step trains like the built-in one", "[model]") {
    const Blobs data = make_blobs(60);
    auto run = [&](kx::Sequential& model) {
        kx::utils::set_random_seed(5);
        model.add(kx::layers::Dense(3, "linear", "logits"));
        model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
        model.build({kx::None, 2});
        model.fit(data.x, data.y, {.epochs = 2, .batch_size = 10, .verbose = 0});
        return model.get_weights()[0].to_vector();
    };
    kx::Sequential builtin({kx::layers::Input({2})});
    ManualStepModel manual({kx::layers::Input({2})});
    CHECK(run(builtin) == run(manual));
}

TEST_CASE("compile resolves \"accuracy\" by the loss and keeps Keras' log names", "[model][metrics]") {
    const Blobs data = make_blobs(30);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "adam", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .metrics = {"accuracy", kx::metrics::SparseTopKCategoricalAccuracy({.k = 2})}});
    const kx::Logs logs = model.evaluate(data.x, data.y, {.verbose = 0});
    std::vector<std::string> names;
    for (const auto& [name, value] : logs) names.push_back(name);
    CHECK(names == std::vector<std::string>{"loss", "accuracy", "sparse_top_k_categorical_accuracy"});
}

TEST_CASE("The Keras default optimizer is rmsprop", "[model]") {
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(1)});
    model.compile({.loss = "mse"});
    CHECK(model.optimizer().class_name() == "RMSprop");
}

TEST_CASE("A weight the loss does not reach gets no gradient and is not updated", "[model]") {
    // y = x . kernel; `unused` is a trainable weight that call() never reads.
    class WithUnusedWeight : public kx::Layer {
    public:
        void build(const kx::Shape& s) override {
            kernel_ = add_weight("kernel", {s.back(), 1}, "ones");
            unused_ = add_weight("unused", {3}, "ones");
        }
        kx::Tensor call(const kx::Tensor& x, bool) override { return kx::ops::matmul(x, kernel_); }
        kx::Variable kernel_, unused_;
    };
    auto layer = std::make_shared<WithUnusedWeight>();
    kx::Sequential model({kx::layers::Input({2}), layer});
    model.compile({.optimizer = kx::optimizers::AdamW(0.1), .loss = "mse"});
    model.train_on_batch(kx::Tensor({2, 2}, {1, 2, 3, 4}), kx::Tensor({2, 1}, {0, 1}));
    CHECK_FALSE(layer->unused_.grad().defined());
    CHECK(layer->unused_.to_vector() == std::vector<float>{1, 1, 1});
    CHECK(layer->kernel_.to_vector() != std::vector<float>{1, 1});
}
