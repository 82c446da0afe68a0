#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "support/blobs.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using kx::callbacks::CSVLogger;
namespace fs = std::filesystem;

namespace {

// A fresh directory for one test's files, removed afterwards.
struct TempDir {
    TempDir() : path(fs::temp_directory_path() / ("kx_csv_" + std::to_string(std::random_device()()))) {
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
    fs::path path;
};

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The file's lines, each without its "\r\n".
std::vector<std::string> read_lines(const std::string& path) {
    const std::string text = read_all(path);
    std::vector<std::string> lines;
    for (std::size_t begin = 0, end; begin < text.size(); begin = end + 2) {
        end = text.find("\r\n", begin);
        REQUIRE(end != std::string::npos);   // every row ends in \r\n, as Python's csv writes it
        lines.push_back(text.substr(begin, end - begin));
    }
    return lines;
}

std::vector<std::string> split(const std::string& line, char separator) {
    std::vector<std::string> fields;
    std::stringstream in(line);
    for (std::string field; std::getline(in, field, separator);) fields.push_back(field);
    return fields;
}

struct Fixture {
    Fixture() {
        kx::utils::set_random_seed(0);
        model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                       .metrics = {"accuracy"}});
    }
    kx::History fit(std::vector<kx::CallbackHandle> callbacks, int epochs, int validation_freq = 1) {
        return model.fit(train.x, train.y,
                         {.epochs = epochs, .batch_size = 4, .verbose = 0, .validation_data = {test.x, test.y},
                          .validation_freq = validation_freq, .callbacks = std::move(callbacks)});
    }
    Blobs train = make_blobs(10), test = make_blobs(10, 1);
    kx::Sequential model{{kx::layers::Input({2}), kx::layers::Dense(2, "relu"), kx::layers::Dense(3)}};
};

}  // namespace

TEST_CASE("CSVLogger has Keras 3's defaults", "[callbacks4]") {
    const CSVLogger logger("log.csv");
    CHECK(logger.filename() == "log.csv");
    CHECK(logger.options().separator == ",");
    CHECK_FALSE(logger.options().append);
}

TEST_CASE("CSVLogger writes a header of epoch and the sorted keys, then one row per epoch", "[callbacks4]") {
    TempDir dir;
    Fixture f;
    const kx::History h = f.fit({CSVLogger(dir.file("log.tsv"), {.separator = "\t"})}, 2);
    const std::vector<std::string> lines = read_lines(dir.file("log.tsv"));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "epoch\taccuracy\tloss\tval_accuracy\tval_loss");
    for (int epoch = 0; epoch < 2; ++epoch) {
        const std::vector<std::string> row = split(lines[static_cast<std::size_t>(epoch) + 1], '\t');
        REQUIRE(row.size() == 5);
        CHECK(row[0] == std::to_string(epoch));
        // Shortest round-trip digits, as Python prints floats: parsing gives back the exact value.
        CHECK(std::stod(row[1]) == h.history.at("accuracy")[static_cast<std::size_t>(epoch)]);
        CHECK(std::stod(row[2]) == h.history.at("loss")[static_cast<std::size_t>(epoch)]);
        CHECK(std::stod(row[3]) == h.history.at("val_accuracy")[static_cast<std::size_t>(epoch)]);
        CHECK(std::stod(row[4]) == h.history.at("val_loss")[static_cast<std::size_t>(epoch)]);
    }
}

TEST_CASE("CSVLogger appends without a second header, also when reused for another fit (Keras' case)", "[callbacks4]") {
    TempDir dir;
    const std::string path = dir.file("log.tsv");
    {
        Fixture f;
        f.fit({CSVLogger(path, {.separator = "\t"})}, 1);
    }
    Fixture f;
    const auto logger = std::make_shared<CSVLogger>(path, CSVLogger::Options{.separator = "\t", .append = true});
    f.fit({logger}, 1);
    f.fit({logger}, 2);
    const std::vector<std::string> lines = read_lines(path);
    REQUIRE(lines.size() == 5);   // header + 1 + 1 + 2 rows
    for (const std::string& line : lines) CHECK(split(line, '\t').size() == 5);
    CHECK(read_all(path).find("epoch") == 0);
    CHECK(read_all(path).find("epoch", 1) == std::string::npos);
    CHECK(split(lines[4], '\t')[0] == "1");
}

TEST_CASE("CSVLogger without append replaces the file", "[callbacks4]") {
    TempDir dir;
    const std::string path = dir.file("log.csv");
    std::ofstream(path) << "old contents\n";
    Fixture f;
    f.fit({CSVLogger(path)}, 1);
    const std::vector<std::string> lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss");
}

TEST_CASE("CSVLogger with append writes the header into an empty file", "[callbacks4]") {
    TempDir dir;
    const std::string path = dir.file("log.csv");
    std::ofstream{path};
    Fixture f;
    f.fit({CSVLogger(path, {.append = true})}, 1);
    CHECK(read_lines(path).at(0) == "epoch,accuracy,loss,val_accuracy,val_loss");
}

TEST_CASE("CSVLogger writes numbers as Python does, NA for missing keys, and quotes fields with the separator",
          "[callbacks4]") {
    TempDir dir;
    const std::string path = dir.file("log.csv");
    Fixture f;
    // Epoch 0 logs every scripted key; epoch 1 drops "late,key" (NA) and turns "score" into NaN, then inf.
    kx::callbacks::LambdaCallback script({.on_epoch_end = [](int epoch, kx::Logs& logs) {
        const double values[] = {1.0, std::nan(""), -std::numeric_limits<double>::infinity()};
        logs["score"] = values[epoch];
        if (epoch == 0) logs["late,key"] = 0.5;
        logs["tiny"] = 1e-5;
    }});
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3)});
    model.compile({.optimizer = "sgd", .loss = kx::losses::SparseCategoricalCrossentropy({.from_logits = true})});
    const Blobs data = make_blobs(10);
    model.fit(data.x, data.y, {.epochs = 3, .verbose = 0, .callbacks = {script, CSVLogger(path)}});
    const std::vector<std::string> lines = read_lines(path);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "epoch,\"late,key\",loss,score,tiny");
    const std::vector<std::string> row0 = split(lines[1], ',');
    REQUIRE(row0.size() == 5);
    CHECK(row0[1] == "0.5");
    CHECK(row0[3] == "1.0");
    CHECK(row0[4] == "1e-05");
    const std::vector<std::string> row1 = split(lines[2], ',');
    REQUIRE(row1.size() == 5);
    CHECK(row1[1] == "NA");
    CHECK(row1[3] == "nan");
    CHECK(split(lines[3], ',')[3] == "-inf");
}

TEST_CASE("CSVLogger flushes each row at its epoch end", "[callbacks4]") {
    TempDir dir;
    const std::string path = dir.file("log.csv");
    std::vector<std::size_t> lines_seen;
    kx::callbacks::LambdaCallback reader({.on_epoch_begin = [&](int, kx::Logs&) { lines_seen.push_back(read_lines(path).size()); }});
    Fixture f;
    f.fit({CSVLogger(path), reader}, 3);
    CHECK(lines_seen == std::vector<std::size_t>{0, 2, 3});
}

TEST_CASE("CSVLogger adds the val_ columns up front when validation skips the first epoch", "[callbacks4]") {
    // Validation every 2 epochs: epoch 0 has no val_ keys; Keras adds them to the header anyway,
    // and the epochs without validation write NA.
    TempDir dir;
    const std::string path = dir.file("log.csv");
    Fixture f;
    std::ostringstream err;
    std::streambuf* previous = std::cerr.rdbuf(err.rdbuf());
    f.fit({CSVLogger(path)}, 3, 2);
    std::cerr.rdbuf(previous);
    const std::vector<std::string> lines = read_lines(path);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss");
    CHECK(lines[1].ends_with(",NA,NA"));
    CHECK_FALSE(lines[2].ends_with(",NA,NA"));
    CHECK(lines[3].ends_with(",NA,NA"));
    CHECK(err.str().empty());
}

TEST_CASE("CSVLogger keeps the first epoch's columns and warns once about another key that appears later", "[callbacks4]") {
    TempDir dir;
    const std::string path = dir.file("log.csv");
    Fixture f;
    kx::callbacks::LambdaCallback late_key({.on_epoch_end = [](int epoch, kx::Logs& logs) {
        if (epoch > 0) logs["late"] = 1.0;
    }});
    std::ostringstream err;
    std::streambuf* previous = std::cerr.rdbuf(err.rdbuf());
    f.fit({late_key, CSVLogger(path)}, 3);
    std::cerr.rdbuf(previous);
    const std::vector<std::string> lines = read_lines(path);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss");
    CHECK(err.str() == "CSVLogger: 'late' first appeared at epoch 1, after the columns were fixed by the first "
                       "epoch's logs; it is not written to " + path + "\n");
}

TEST_CASE("CSVLogger rejects a separator that is not one character and a file it cannot open", "[callbacks4]") {
    REQUIRE_THROWS_WITH(CSVLogger("log.csv", {.separator = "::"}),
                        Catch::Contains("CSVLogger: expected a one-character separator") && Catch::Contains("\"::\""));
    REQUIRE_THROWS_WITH(CSVLogger(""), Catch::Contains("CSVLogger: expected a filename"));
    Fixture f;
    REQUIRE_THROWS_WITH(f.fit({CSVLogger("/nonexistent-kx-dir/log.csv")}, 1),
                        Catch::Contains("CSVLogger: cannot open '/nonexistent-kx-dir/log.csv' for writing"));
}
