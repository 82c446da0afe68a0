// fit/evaluate/predict fed by a kx::data::Dataset: the same batches give the same training as arrays,
// steps_per_epoch continues one iterator, early stops shut a prefetching pipeline down, and malformed
// elements get errors that show the dataset's structure.
#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "lib/io/io_test_files.hpp"
#include "support/blobs.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
#include "support/weights.hpp"

using Catch::Matchers::Contains;
using kx::data::Dataset;
using kx::data::Element;

namespace {
kx::Sequential classifier(std::uint64_t seed = 1) {
    kx::utils::set_random_seed(seed);
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(16, "relu"), kx::layers::Dense(3)});
    model.compile({.optimizer = "adam",
                   .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .metrics = {"accuracy"}});
    return model;
}

class BatchCounter : public kx::Callback {
public:
    void on_epoch_begin(int, kx::Logs&) override {
        batches.push_back(0);
        steps_seen.push_back(params().steps);
    }
    void on_train_batch_end(int, kx::Logs&) override { ++batches.back(); }
    std::vector<int> batches, steps_seen;
};

class FailingTest : public kx::Callback {
public:
    void on_test_batch_end(int, kx::Logs&) override { throw kx::Error("test stop"); }
};

// (x, y) batches of `batch` rows, in order.
Dataset batches_of(const Blobs& data, std::size_t batch) { return Dataset::from_tensor_slices({data.x, data.y}).batch(batch); }
}  // namespace

TEST_CASE("A Dataset fit gives bit-identical weights and History to the unshuffled array fit over the same batches",
          "[fit_dataset]") {
    const Blobs data = make_blobs(50);   // batches of 8: six full ones and one of 2
    kx::Sequential arrays = classifier(), dataset = classifier();
    const kx::History ha = arrays.fit(data.x, data.y, {.epochs = 3, .batch_size = 8, .verbose = 0, .shuffle = false});
    const kx::History hd = dataset.fit(batches_of(data, 8), {.epochs = 3, .verbose = 0});
    CHECK(flat_weights(dataset) == flat_weights(arrays));
    CHECK(hd.history.at("loss") == ha.history.at("loss"));
    CHECK(hd.history.at("accuracy") == ha.history.at("accuracy"));
    CHECK(hd.epoch == std::vector<int>{0, 1, 2});
}

TEST_CASE("A Dataset's third element is the sample weight; class_weight multiplies it as for arrays", "[fit_dataset]") {
    const Blobs data = make_blobs(30);
    kx::Tensor w = kx::Tensor::empty({30});
    for (std::size_t i = 0; i < 30; ++i) w.data()[i] = 0.25f + 0.1f * static_cast<float>(i % 7);
    const std::map<int, float> class_weight{{0, 1.0f}, {1, 2.0f}, {2, 0.5f}};
    kx::Sequential arrays = classifier(), dataset = classifier();
    arrays.fit(data.x, data.y, {.epochs = 2, .batch_size = 7, .verbose = 0, .shuffle = false, .class_weight = class_weight, .sample_weight = w});
    dataset.fit(Dataset::from_tensor_slices({data.x, data.y, w}).batch(7), {.epochs = 2, .verbose = 0, .class_weight = class_weight});
    CHECK(flat_weights(dataset) == flat_weights(arrays));
    // Zero weights: plain SGD leaves the model untouched.
    kx::Sequential sgd = classifier();
    sgd.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    const std::vector<float> before = flat_weights(sgd);
    sgd.fit(Dataset::from_tensor_slices({data.x, data.y, kx::Tensor::zeros({30})}).batch(10), {.verbose = 0});
    CHECK(flat_weights(sgd) == before);
}

TEST_CASE("A Dataset of dicts feeds a two-input, two-output model by name, like arrays by name", "[fit_dataset]") {
    const Blobs data = make_blobs(40);
    const kx::Tensor extra = kx::ops::slice(data.x, 1, 0, 1) * 2.0f;   // (40, 1)
    const kx::Tensor score = kx::ops::slice(data.x, 1, 1, 2) - 1.0f;   // (40, 1)
    auto build = [] {
        kx::utils::set_random_seed(4);
        auto a = kx::Input({2}, "a");
        auto b = kx::Input({1}, "b");
        auto h = kx::layers::Dense(8, "relu")(kx::layers::Concatenate()({a, b}));
        kx::Model model({a, b}, {kx::layers::Dense(3, "linear", "class")(h), kx::layers::Dense(1, "linear", "score")(h)});
        model.compile({.optimizer = "adam",
                       .loss = {{"class", kx::losses::SparseCategoricalCrossentropy({.from_logits = true})}, {"score", "mse"}},
                       .loss_weights = {{"class", 1.0}, {"score", 0.5}}});
        return model;
    };
    kx::Model arrays = build(), dataset = build();
    const kx::History ha = arrays.fit({{"a", data.x}, {"b", extra}}, {{"class", data.y}, {"score", score}},
                                      {.epochs = 2, .batch_size = 6, .verbose = 0, .shuffle = false});
    const Dataset ds = Dataset::from_tensor_slices(Element::tuple({Element::dict({{"b", extra}, {"a", data.x}}),
                                                                   Element::dict({{"score", score}, {"class", data.y}})}))
                           .batch(6);
    const kx::History hd = dataset.fit(ds, {.epochs = 2, .verbose = 0});
    CHECK(flat_weights(dataset) == flat_weights(arrays));
    CHECK(hd.history.at("score_loss") == ha.history.at("score_loss"));
    // By position too: a tuple of inputs and a tuple of targets.
    kx::Model positional = build();
    positional.fit(Dataset::from_tensor_slices(Element::tuple({Element::tuple({data.x, extra}), Element::tuple({data.y, score})})).batch(6),
                   {.epochs = 2, .verbose = 0});
    CHECK(flat_weights(positional) == flat_weights(arrays));
    // predict_outputs on dict elements, evaluate on the same dataset.
    const kx::Tensors out = dataset.predict_outputs(Dataset::from_tensor_slices({{"a", data.x}, {"b", extra}}).batch(16));
    const kx::Tensors expected = dataset.predict_outputs({{"a", data.x}, {"b", extra}});
    REQUIRE(out.size() == 2);
    CHECK(out[0].to_vector() == expected[0].to_vector());
    CHECK(out[1].to_vector() == expected[1].to_vector());
    CHECK(dataset.evaluate(ds, {.verbose = 0}).at("loss") ==
          Approx(dataset.evaluate({{"a", data.x}, {"b", extra}}, {{"class", data.y}, {"score", score}}, {.batch_size = 6, .verbose = 0}).at("loss"))
              .epsilon(1e-6));
}

TEST_CASE("steps_per_epoch continues one iterator over a repeat()ed dataset across epochs", "[fit_dataset]") {
    const Blobs data = make_blobs(40);
    const Dataset ds = batches_of(data, 4);   // 10 batches
    kx::Sequential epochs = classifier(), once = classifier();
    auto counter = std::make_shared<BatchCounter>();
    const kx::History h = epochs.fit(ds.repeat(), {.epochs = 4, .verbose = 0, .steps_per_epoch = 3, .callbacks = {counter}});
    CHECK(counter->batches == std::vector<int>{3, 3, 3, 3});
    CHECK(h.history.at("loss").size() == 4);
    // The 12 batches are the dataset's first 12 (batches 0-9, then 0-1 again), not batches 0-2 four times.
    once.fit(ds.repeat().take(12), {.verbose = 0});
    CHECK(flat_weights(epochs) == flat_weights(once));

    REQUIRE_THROWS_WITH(classifier().fit(ds.repeat(), {.verbose = 0}), Contains("infinite") && Contains("steps_per_epoch"));
}

TEST_CASE("A dataset that runs out before steps_per_epoch * epochs ends training after that epoch", "[fit_dataset]") {
    const Blobs data = make_blobs(20);
    kx::Sequential model = classifier();
    auto counter = std::make_shared<BatchCounter>();
    std::ostringstream warnings;
    auto* old = std::cerr.rdbuf(warnings.rdbuf());
    const kx::History h = model.fit(batches_of(data, 4), {.epochs = 5, .verbose = 0, .steps_per_epoch = 2, .callbacks = {counter}});
    std::cerr.rdbuf(old);
    CHECK(counter->batches == std::vector<int>{2, 2, 1});   // 5 batches in all
    CHECK(h.epoch == std::vector<int>{0, 1, 2});
    CHECK_THAT(warnings.str(), Contains("ran out of data") && Contains("steps_per_epoch=2") && Contains("repeat()"));
}

TEST_CASE("A dataset of unknown size runs whole epochs and the bar learns their length", "[fit_dataset]") {
    const Blobs data = make_blobs(30);
    int kept = 0;
    for (std::size_t i = 0; i < 30; ++i) kept += data.x.data()[2 * i] > 0 ? 1 : 0;
    const Dataset ds = Dataset::from_tensor_slices({data.x, data.y}).filter([](const Element& e) { return e[0].tensor().data()[0] > 0; }).batch(4);
    REQUIRE(ds.cardinality() == kx::data::unknown_cardinality);
    kx::Sequential model = classifier();
    auto counter = std::make_shared<BatchCounter>();
    std::ostringstream captured;
    auto* old = std::cout.rdbuf(captured.rdbuf());
    model.fit(ds, {.epochs = 2, .verbose = 2, .callbacks = {counter}});
    std::cout.rdbuf(old);
    const int batches = (kept + 3) / 4;
    CHECK(counter->batches == std::vector<int>{batches, batches});
    // Epoch 1 runs without a total (params.steps 0, the bar's "Unknown"); epoch 2 knows it.
    CHECK(counter->steps_seen == std::vector<int>{0, batches});
    CHECK_THAT(captured.str(), Contains("Epoch 2/2\n" + std::to_string(batches) + "/" + std::to_string(batches) + " - "));
}

TEST_CASE("validation_data as a Dataset with validation_steps starts from its first batch at every validation",
          "[fit_dataset]") {
    const Blobs data = make_blobs(40), val = make_blobs(30, 9);
    kx::Sequential model = classifier();
    const Dataset val_ds = batches_of(val, 5).repeat();
    const kx::History h = model.fit(batches_of(data, 8), {.epochs = 3, .verbose = 0, .validation_data = val_ds, .validation_steps = 2});
    REQUIRE(h.history.at("val_loss").size() == 3);
    // The first 10 validation samples, as arrays.
    const kx::Tensor vx = kx::ops::slice(val.x, 0, 0, 10), vy = kx::ops::slice(val.y, 0, 0, 10);
    CHECK(model.evaluate(vx, vy, {.batch_size = 5, .verbose = 0}).at("loss") == Approx(h.history.at("val_loss").back()).epsilon(1e-6));
    CHECK(model.evaluate(val_ds, {.verbose = 0, .steps = 2}).at("loss") == Approx(h.history.at("val_loss").back()).epsilon(1e-6));
    // Array validation data with a dataset fit; a dataset validation with an array fit.
    const kx::History h2 = model.fit(batches_of(data, 8), {.verbose = 0, .validation_data = {vx, vy}});
    CHECK(h2.history.at("val_loss").size() == 1);
    const kx::History h3 = model.fit(data.x, data.y, {.verbose = 0, .validation_data = batches_of(val, 5)});
    CHECK(model.evaluate(val.x, val.y, {.batch_size = 5, .verbose = 0}).at("loss") == Approx(h3.history.at("val_loss").back()).epsilon(1e-6));

    REQUIRE_THROWS_WITH(model.fit(batches_of(data, 8), {.verbose = 0, .validation_data = val_ds}),
                        Contains("validation_data") && Contains("infinite") && Contains("validation_steps"));
    REQUIRE_THROWS_WITH(model.fit(batches_of(data, 8), {.verbose = 0, .validation_split = 0.2f}),
                        Contains("validation_split is not supported with a Dataset"));
}

TEST_CASE("validation_split on arrays still holds out the last samples", "[fit_dataset]") {
    const Blobs data = make_blobs(50);
    kx::Sequential model = classifier();
    const kx::History h = model.fit(data.x, data.y, {.epochs = 2, .batch_size = 8, .verbose = 0, .validation_split = 0.2f});
    const kx::Tensor tail_x = kx::ops::slice(data.x, 0, 40, 50), tail_y = kx::ops::slice(data.y, 0, 40, 50);
    CHECK(model.evaluate(tail_x, tail_y, {.batch_size = 8, .verbose = 0}).at("loss") == Approx(h.history.at("val_loss").back()).epsilon(1e-6));
}

TEST_CASE("evaluate and predict on a Dataset equal the array versions", "[fit_dataset]") {
    const Blobs data = make_blobs(23);
    kx::Sequential model = classifier();
    model.fit(data.x, data.y, {.epochs = 2, .verbose = 0});
    const kx::Logs arrays = model.evaluate(data.x, data.y, {.batch_size = 5, .verbose = 0});
    const kx::Logs dataset = model.evaluate(batches_of(data, 5), {.verbose = 0});
    CHECK(dataset.at("loss") == Approx(arrays.at("loss")).epsilon(1e-6));
    CHECK(dataset.at("accuracy") == arrays.at("accuracy"));
    CHECK(model.evaluate(batches_of(data, 5), {.verbose = 0, .steps = 2}).at("loss") ==
          Approx(model.evaluate(data.x, data.y, {.batch_size = 5, .verbose = 0, .steps = 2}).at("loss")).epsilon(1e-6));

    const std::vector<float> expected = model.predict(data.x, {.batch_size = 4}).to_vector();   // the same GEMM shapes
    // x alone, (x,), and (x, y) whose y predict ignores, as Keras.
    CHECK(model.predict(Dataset::from_tensor_slices(data.x).batch(4)).to_vector() == expected);
    CHECK(model.predict(Dataset::from_tensor_slices(Element::tuple({data.x})).batch(4)).to_vector() == expected);
    const kx::Tensor first = model.predict(batches_of(data, 4), {.steps = 2});
    CHECK(first.shape() == kx::Shape{8, 3});
    CHECK(first.to_vector() == std::vector<float>(expected.begin(), expected.begin() + 24));
    // Arrays through the same loop: steps and uneven batches.
    CHECK(model.predict(data.x, {.batch_size = 7, .steps = 2}).shape() == kx::Shape{14, 3});
    REQUIRE_THROWS_WITH(model.predict(Dataset::from_tensor_slices(data.x).batch(4).repeat()), Contains("infinite") && Contains("steps"));
    REQUIRE_THROWS_WITH(model.evaluate(batches_of(data, 4), {.batch_size = 4}), Contains("batch_size is not used with a Dataset"));
}

TEST_CASE("stop_training or a throwing callback ends a prefetching, parallel-map fit promptly and stops its threads",
          "[fit_dataset]") {
    const Blobs data = make_blobs(400);
    std::atomic<int> calls{0};
    const Dataset ds = batches_of(data, 4)
                           .map([&calls](const Element& e) {
                                    ++calls;
                                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                                    return e;
                                }, 2)
                           .prefetch(2)
                           .repeat();
    auto settled = [&] {   // no map call may start once fit has returned
        const int now = calls.load();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return calls.load() == now;
    };
    const auto start = std::chrono::steady_clock::now();
    {
        kx::Sequential model = classifier();
        int seen = 0;
        kx::callbacks::LambdaCallback stop({.on_train_batch_end = [&](int, kx::Logs&) {
            if (++seen == 2) model.stop_training = true;
        }});
        const kx::History h = model.fit(ds, {.epochs = 3, .verbose = 0, .steps_per_epoch = 1000, .callbacks = {stop}});
        CHECK(seen == 2);
        CHECK(h.epoch == std::vector<int>{0});
        CHECK(settled());
    }
    {
        kx::Sequential model = classifier();
        int seen = 0;
        kx::callbacks::LambdaCallback fail({.on_train_batch_end = [&](int, kx::Logs&) {
            if (++seen == 2) throw kx::Error("callback failed at batch 2");
        }});
        CHECK_THROWS_WITH(model.fit(ds, {.epochs = 3, .verbose = 0, .steps_per_epoch = 1000, .callbacks = {fail}}),
                          Contains("callback failed at batch 2"));
        CHECK(settled());
        // A throwing evaluate callback, and EarlyStopping, likewise.
        CHECK_THROWS_WITH(model.evaluate(ds, {.verbose = 0, .steps = 50, .callbacks = {std::make_shared<FailingTest>()}}),
                          Contains("test stop"));
        CHECK(settled());
        const kx::History h = model.fit(ds, {.epochs = 10, .verbose = 0, .steps_per_epoch = 3,
                                             .callbacks = {kx::callbacks::EarlyStopping({.monitor = "loss", .min_delta = 100.0})}});
        CHECK(h.epoch == std::vector<int>{0, 1});   // no epoch improves by 100: stops after patience 0 + 1
        CHECK(settled());
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}

TEST_CASE("Malformed dataset elements and options get errors naming what was expected and what the dataset gives",
          "[fit_dataset][errors]") {
    const Blobs data = make_blobs(12);
    kx::Sequential model = classifier();
    REQUIRE_THROWS_WITH(model.fit(Dataset::from_tensor_slices(data.x).batch(4), {.verbose = 0}),
                        Contains("(x, y) or (x, y, sample_weight)") && Contains("got Tensor(4, 2)"));
    REQUIRE_THROWS_WITH(model.fit(Dataset::from_tensor_slices({data.x, data.y, data.y, data.y}).batch(4), {.verbose = 0}),
                        Contains("(x, y) or (x, y, sample_weight)") && Contains("(Tensor(4, 2), Tensor(4,), Tensor(4,), Tensor(4,))"));
    REQUIRE_THROWS_WITH(model.fit(Dataset::from_tensor_slices(Element::tuple({Element::tuple({data.x, data.x}), data.y})).batch(4), {.verbose = 0}),
                        Contains("expected 1 inputs") && Contains("got 2") && Contains("((Tensor(4, 2), Tensor(4, 2)), Tensor(4,))"));
    REQUIRE_THROWS_WITH(model.fit(Dataset::from_tensor_slices({data.x, data.y}).batch(4), {.batch_size = 4}),
                        Contains("batch_size is not used with a Dataset") && Contains("batch(n)"));
    REQUIRE_THROWS_WITH(model.fit(batches_of(data, 4), {.sample_weight = kx::Tensor::ones({12})}), Contains("(x, y, sample_weight)"));
    REQUIRE_THROWS_WITH(model.fit(Dataset::from_tensor_slices({data.x, data.y}).take(0).batch(4), {.verbose = 0}), Contains("empty"));
    REQUIRE_THROWS_WITH(model.fit(Dataset::from_tensor_slices({data.x, data.y, kx::Tensor::ones({12, 2})}).batch(4), {.verbose = 0}),
                        Contains("sample_weight of shape (4,)") && Contains("dataset batch 0"));

    auto a = kx::Input({2}, "a");
    auto b = kx::Input({2}, "b");
    kx::Model two({a, b}, kx::layers::Dense(3)(kx::layers::Add()({a, b})));
    two.compile({.optimizer = "adam", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    REQUIRE_THROWS_WITH(two.fit(Dataset::from_tensor_slices(Element::tuple({Element::dict({{"a", data.x}, {"c", data.x}}), data.y})).batch(4),
                                {.verbose = 0}),
                        Contains("'c'") && Contains("['a', 'b']") && Contains("({'a': Tensor(4, 2), 'c': Tensor(4, 2)}, Tensor(4,))"));
    REQUIRE_THROWS_WITH(two.predict(Dataset::from_tensor_slices({data.x, data.x}).batch(4)),   // Keras: (a, b) is (x, y)
                        Contains("expected 2 inputs") && Contains("(Tensor(4, 2), Tensor(4, 2))"));
    CHECK(two.predict(Dataset::from_tensor_slices(Element::tuple({Element::tuple({data.x, data.x})})).batch(4)).shape() == kx::Shape{12, 3});
}

TEST_CASE("BackupAndRestore resumes a Dataset fit mid-epoch by skipping the batches done, to bit-identical weights",
          "[fit_dataset][backup-and-restore]") {
    const Blobs data = make_blobs(80);
    // Reshuffled every epoch from a seed: resuming must replay the earlier epochs' orders.
    auto run = [&](bool repeat, std::vector<kx::CallbackHandle> callbacks) {
        kx::utils::set_random_seed(17);
        kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(16, "relu"), kx::layers::Dropout(0.25f), kx::layers::Dense(3)});
        model.compile({.optimizer = kx::optimizers::Adam(0.01), .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
        Dataset ds = Dataset::from_tensor_slices({data.x, data.y}).shuffle(80, {.seed = 3}).batch(16).prefetch(2);
        if (repeat) ds = ds.repeat();
        model.fit(ds, {.epochs = 4, .verbose = 0, .steps_per_epoch = repeat ? 4 : 0, .callbacks = std::move(callbacks)});
        return model;
    };
    for (const bool repeat : {false, true}) {
        INFO("repeat() with steps_per_epoch: " << repeat);
        const kx::Sequential reference = run(repeat, {});
        kx::io_test::TempDir dir;
        int seen = 0;
        kx::callbacks::LambdaCallback fail_at_12({.on_train_batch_end = [&](int, kx::Logs&) {
            if (++seen == 12) throw kx::Error("preempted");
        }});
        CHECK_THROWS_WITH(run(repeat, {kx::callbacks::BackupAndRestore(dir.path(), {.save_freq = 7}), fail_at_12}), Contains("preempted"));
        REQUIRE(std::filesystem::exists(dir.file("backup.kx")));
        int batches_run = 0;
        kx::callbacks::LambdaCallback count({.on_train_batch_end = [&](int, kx::Logs&) { ++batches_run; }});
        const kx::Sequential resumed = run(repeat, {kx::callbacks::BackupAndRestore(dir.path(), {.save_freq = 7}), count});
        const int total = repeat ? 16 : 20;
        CHECK(batches_run == total - 7);   // the backup was after batch 7
        CHECK(flat_weights(resumed) == flat_weights(reference));
    }
}
