#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>
#include <kerasxx/models.hpp>

#include "support/blobs.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using kx::callbacks::ModelCheckpoint;
namespace fs = std::filesystem;

namespace {

// A fresh directory for one test's files, removed afterwards.
struct TempDir {
    TempDir() : path(fs::temp_directory_path() / ("kx_ckpt_" + std::to_string(std::random_device()()))) {
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
    // The names of the files in the directory (not in subdirectories).
    std::set<std::string> files() const {
        std::set<std::string> names;
        for (const auto& entry : fs::directory_iterator(path)) names.insert(entry.path().filename().string());
        return names;
    }
    fs::path path;
};

// Keras' fixture: 30 training and 30 validation samples of 3 classes, Dense(5, relu) -> Dense(3).
// The layers are named, so that a second Fixture's model can load the first one's weights file.
struct Fixture {
    Fixture() {
        kx::utils::set_random_seed(42);
        model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                       .metrics = {"accuracy"}});
    }
    kx::History fit(std::vector<kx::CallbackHandle> callbacks, int epochs, int batch_size = 5) {
        return model.fit(train.x, train.y,
                         {.epochs = epochs, .batch_size = batch_size, .verbose = 0, .validation_data = {test.x, test.y},
                          .callbacks = std::move(callbacks)});
    }
    Blobs train = make_blobs(30), test = make_blobs(30, 1);
    kx::Sequential model{{kx::layers::Input({2}), kx::layers::Dense(5, "relu", "hidden"), kx::layers::Dense(3, "linear", "logits")}};
};

// A fit whose LambdaCallback, placed before the checkpoint, writes values[epoch] under `key`.
std::set<std::string> saved_epochs(const std::string& key, std::vector<double> values, ModelCheckpoint::Options options,
                                   int fits = 1) {
    TempDir dir;
    Fixture f;
    auto checkpoint = std::make_shared<ModelCheckpoint>(dir.file("m{epoch}.kx"), std::move(options));
    kx::callbacks::LambdaCallback script(
        {.on_epoch_end = [&](int epoch, kx::Logs& logs) { logs[key] = values.at(static_cast<std::size_t>(epoch)); }});
    for (int i = 0; i < fits; ++i) f.fit({script, checkpoint}, static_cast<int>(values.size()));
    return dir.files();
}

std::string fixed(double value, int digits) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
    return buffer;
}

void require_same_values(const kx::Tensor& a, const kx::Tensor& b) {
    REQUIRE(a.shape() == b.shape());
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(a.data()[i] == b.data()[i]);
}

}  // namespace

TEST_CASE("ModelCheckpoint has Keras 3's defaults", "[callbacks4]") {
    const ModelCheckpoint checkpoint("model.kx");
    CHECK(checkpoint.filepath() == "model.kx");
    CHECK(checkpoint.options().monitor == "val_loss");
    CHECK(checkpoint.options().verbose == 0);
    CHECK_FALSE(checkpoint.options().save_best_only);
    CHECK_FALSE(checkpoint.options().save_weights_only);
    CHECK(checkpoint.options().mode == "auto");
    CHECK(std::get<std::string>(checkpoint.options().save_freq) == "epoch");
    CHECK_FALSE(checkpoint.options().initial_value_threshold);
    CHECK_FALSE(checkpoint.maximizes());
}

TEST_CASE("ModelCheckpoint with 30 samples, batch 6, save_freq 15, 10 epochs writes exactly the files for epochs 3, 6 and 9",
          "[callbacks4]") {
    // Keras' own case: 5 batches per epoch, so every 15 batches is the end of every third epoch; a
    // batch-level save is named by the epoch its batch belongs to.
    for (const bool weights_only : {false, true}) {
        TempDir dir;
        Fixture f;
        f.fit({ModelCheckpoint(dir.file("checkpoint.epoch{epoch:02d}.kx"),
                               {.monitor = "val_acc", .save_weights_only = weights_only, .mode = "max", .save_freq = 15})},
              10, 6);
        CHECK(dir.files() == std::set<std::string>{"checkpoint.epoch03.kx", "checkpoint.epoch06.kx", "checkpoint.epoch09.kx"});
    }
}

TEST_CASE("ModelCheckpoint fills {epoch} and {batch} from 1 for batch-level saves (Keras' case)", "[callbacks4]") {
    TempDir dir;
    Fixture f;
    f.fit({ModelCheckpoint(dir.file("checkpoint.epoch{epoch:02d}batch{batch:02d}.kx"), {.save_freq = 1})}, 5, 15);
    std::set<std::string> expected;
    for (int epoch = 1; epoch <= 5; ++epoch)
        for (int batch = 1; batch <= 2; ++batch)
            expected.insert("checkpoint.epoch0" + std::to_string(epoch) + "batch0" + std::to_string(batch) + ".kx");
    CHECK(dir.files() == expected);
}

TEST_CASE("ModelCheckpoint names each epoch's file with the epoch from 1 and logged values", "[callbacks4]") {
    TempDir dir;
    Fixture f;
    const kx::History h = f.fit({ModelCheckpoint(dir.file("ckpt-{epoch:02d}-{val_loss:.4f}.kx"))}, 3);
    std::set<std::string> expected;
    for (std::size_t i = 0; i < 3; ++i)
        expected.insert("ckpt-0" + std::to_string(i + 1) + "-" + fixed(h.history.at("val_loss")[i], 4) + ".kx");
    CHECK(dir.files() == expected);
}

TEST_CASE("ModelCheckpoint's template naming a key that is not in the logs is an error naming it", "[callbacks4]") {
    TempDir dir;
    Fixture f;
    const std::string path = dir.file("m-{acc:.2f}.kx");
    REQUIRE_THROWS_WITH(f.fit({ModelCheckpoint(path)}, 1),
                        Catch::Contains("ModelCheckpoint: filepath \"" + path + "\" names 'acc', which is not in the logs; "
                                        "available: epoch, loss, accuracy, val_loss, val_accuracy"));
    // {batch} exists only for batch-level saves, as in Keras.
    REQUIRE_THROWS_WITH(f.fit({ModelCheckpoint(dir.file("m{batch}.kx"))}, 1), Catch::Contains("names 'batch'"));
}

TEST_CASE("ModelCheckpoint save_best_only saves only improvements, in the direction of mode", "[callbacks4]") {
    const std::vector<double> values{3.0, 1.0, 2.0, 0.5, 0.7};
    SECTION("auto on a loss name minimizes") {
        CHECK(saved_epochs("score_loss", values, {.monitor = "score_loss", .save_best_only = true}) ==
              std::set<std::string>{"m1.kx", "m2.kx", "m4.kx"});
    }
    SECTION("min") {
        CHECK(saved_epochs("score", values, {.monitor = "score", .save_best_only = true, .mode = "min"}) ==
              std::set<std::string>{"m1.kx", "m2.kx", "m4.kx"});
    }
    SECTION("max") {
        CHECK(saved_epochs("score_loss", values, {.monitor = "score_loss", .save_best_only = true, .mode = "max"}) ==
              std::set<std::string>{"m1.kx"});
    }
    SECTION("auto on an accuracy name maximizes") {
        CHECK(saved_epochs("val_accuracy", {0.2, 0.1, 0.5, 0.5, 0.9}, {.monitor = "val_accuracy", .save_best_only = true}) ==
              std::set<std::string>{"m1.kx", "m3.kx", "m5.kx"});
    }
}

TEST_CASE("ModelCheckpoint save_best_only starts from initial_value_threshold", "[callbacks4]") {
    const std::vector<double> values{3.0, 1.0, 2.0, 0.5};
    CHECK(saved_epochs("score_loss", values, {.monitor = "score_loss", .save_best_only = true, .initial_value_threshold = 1.5}) ==
          std::set<std::string>{"m2.kx", "m4.kx"});
    // Keras' cases 13 and 14: a loss never beats a threshold of 0, in mode min or auto.
    CHECK(saved_epochs("val_loss", values, {.save_best_only = true, .mode = "min", .initial_value_threshold = 0.0}).empty());
    CHECK(saved_epochs("val_loss", values, {.save_best_only = true, .initial_value_threshold = 0.0}).empty());
    // Keras' case 11: an accuracy in mode max beats -0.01 at once.
    CHECK(saved_epochs("val_acc", {0.0}, {.monitor = "val_acc", .save_best_only = true, .mode = "max",
                                          .initial_value_threshold = -0.01}) == std::set<std::string>{"m1.kx"});
}

TEST_CASE("ModelCheckpoint keeps the best value across fits, so a worse second fit does not overwrite", "[callbacks4]") {
    TempDir dir;
    Fixture f;
    auto checkpoint = std::make_shared<ModelCheckpoint>(dir.file("m{epoch}.kx"),
                                                        ModelCheckpoint::Options{.monitor = "score_loss", .save_best_only = true});
    std::vector<double> values{3.0, 1.0};
    kx::callbacks::LambdaCallback script(
        {.on_epoch_end = [&](int epoch, kx::Logs& logs) { logs["score_loss"] = values.at(static_cast<std::size_t>(epoch)); }});
    f.fit({script, checkpoint}, 2);
    CHECK(dir.files() == std::set<std::string>{"m1.kx", "m2.kx"});
    fs::remove(dir.file("m1.kx"));
    fs::remove(dir.file("m2.kx"));
    values = {2.0, 1.5, 0.5};   // only 0.5 beats the first fit's best of 1.0
    f.fit({script, checkpoint}, 3);
    CHECK(dir.files() == std::set<std::string>{"m3.kx"});
    CHECK(checkpoint->best() == std::optional<double>(0.5));
}

TEST_CASE("ModelCheckpoint save_best_only skips the save with a warning when the monitor is missing (Keras' case)",
          "[callbacks4]") {
    TempDir dir;
    Fixture f;
    std::ostringstream err;
    std::streambuf* previous = std::cerr.rdbuf(err.rdbuf());
    f.fit({ModelCheckpoint(dir.file("checkpoint.kx"), {.monitor = "unknown", .save_best_only = true})}, 2);
    std::cerr.rdbuf(previous);
    CHECK(dir.files().empty());
    CHECK(err.str() == "ModelCheckpoint conditioned on metric `unknown` which is not available. "
                       "Available metrics are: loss,accuracy,val_loss,val_accuracy\n");
}

TEST_CASE("ModelCheckpoint prints its decisions with verbose 1", "[callbacks4]") {
    TempDir dir;
    Fixture f;
    const std::string path = dir.file("best.kx");
    kx::callbacks::LambdaCallback script({.on_epoch_end = [](int epoch, kx::Logs& logs) { logs["score_loss"] = epoch == 1 ? 4.0 : 3.0; }});
    std::ostringstream out;
    std::streambuf* previous = std::cout.rdbuf(out.rdbuf());
    f.fit({script, ModelCheckpoint(path, {.monitor = "score_loss", .verbose = 1, .save_best_only = true}),
           ModelCheckpoint(dir.file("every.kx"), {.verbose = 1})},
          2);
    std::cout.rdbuf(previous);
    CHECK(out.str() == "\nEpoch 1: score_loss improved from inf to 3.00000, saving model to " + path + "\n" +
                           "\nEpoch 1: saving model to " + dir.file("every.kx") + "\n" +
                           "\nEpoch 2: score_loss did not improve from 3.00000\n" +
                           "\nEpoch 2: saving model to " + dir.file("every.kx") + "\n");
}

TEST_CASE("ModelCheckpoint's file loads back to the same predictions", "[callbacks4]") {
    TempDir dir;
    Fixture f;
    f.fit({ModelCheckpoint(dir.file("model.kx")), ModelCheckpoint(dir.file("sub/dir/model.weights.kx"), {.save_weights_only = true})}, 2);
    const kx::Tensor expected = f.model.predict(f.test.x);

    const std::shared_ptr<kx::Model> loaded = kx::models::load_model(dir.file("model.kx"));
    require_same_values(loaded->predict(f.test.x), expected);

    // Weights only: into a fresh model of the same architecture (the directories were created).
    Fixture fresh;
    fresh.model.load_weights(dir.file("sub/dir/model.weights.kx"));
    require_same_values(fresh.model.predict(f.test.x), expected);
}

TEST_CASE("ModelCheckpoint rejects a bad save_freq, extension or template, and a directory as filepath", "[callbacks4]") {
    REQUIRE_THROWS_WITH(ModelCheckpoint("m.kx", {.save_freq = "invalid_save_freq"}),
                        Catch::Contains("ModelCheckpoint: Unrecognized save_freq: \"invalid_save_freq\""));
    REQUIRE_THROWS_WITH(ModelCheckpoint("m.kx", {.save_freq = 0}),
                        Catch::Contains("expected save_freq \"epoch\" or a positive number of batches, got save_freq=0"));
    CHECK_NOTHROW(ModelCheckpoint("m.kx", {.save_weights_only = true, .save_freq = 3}));
    REQUIRE_THROWS_WITH(ModelCheckpoint("model.keras"),
                        Catch::Contains("ModelCheckpoint: the filepath must end in \".kx\"") && Catch::Contains("model.keras"));
    REQUIRE_THROWS_WITH(ModelCheckpoint("m-{val_loss:02d}.kx"),
                        Catch::Contains("ModelCheckpoint: filepath \"m-{val_loss:02d}.kx\" is not a valid template"));
    REQUIRE_THROWS_WITH(ModelCheckpoint("m-{epoch.kx"), Catch::Contains("is not a valid template"));
    REQUIRE_THROWS_WITH(ModelCheckpoint("m-{}.kx"), Catch::Contains("filepath fields must be named"));
    REQUIRE_THROWS_WITH(ModelCheckpoint("m.kx", {.mode = "unknown"}), Catch::Contains("ModelCheckpoint: mode must be one of"));

    TempDir dir;
    fs::create_directories(dir.path / "taken.kx");
    Fixture f;
    REQUIRE_THROWS_WITH(f.fit({ModelCheckpoint(dir.file("taken.kx"))}, 1),
                        Catch::Contains("ModelCheckpoint: filepath \"" + dir.file("taken.kx") + "\" is an existing directory"));
}
