// Loader robustness: each malformed file must give a kx::Error naming the file and the defect,
// never a crash or an unbounded allocation. One table; each row says which readers it goes through.
#include "io/atomic_file.hpp"
#include "io/model_file.hpp"
#include "io/safetensors.hpp"
#include "io_test_files.hpp"

#include <kerasxx/kerasxx.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>

using namespace kx::io_test;

namespace {

// Reads the file at `path`; throws kx::Error for a malformed file.
using Reader = std::function<void(const std::string& path)>;

void read_container(const std::string& path) { kx::io::read_safetensors(path); }
void decode_container(const std::string& path) {
    kx::io::decode_safetensors(kx::io::read_file(path, std::size_t{1} << 30), path);
}

struct MalformedFile {
    std::string description;
    Bytes bytes;
    std::string expected;   // a part of the message, after "<path>: "
    std::vector<Reader> readers = {read_container, decode_container};
};

// A file with this header (unpadded) and `data_bytes` bytes of data.
Bytes file_with(std::string_view header, std::size_t data_bytes) {
    return safetensors_image(header, Bytes(data_bytes, std::byte{0x5a}));
}

// a: F32 (2,) at [0, 8], b: F32 (1,) at [8, 12].
constexpr std::string_view kValidHeader = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";

Bytes valid_file() { return file_with(kValidHeader, 12); }

Bytes first_bytes(const Bytes& bytes, std::size_t count) { return {bytes.begin(), bytes.begin() + count}; }

// {"a": <entry>} with 8 bytes of data.
Bytes tensor_a(std::string_view entry) { return file_with(R"({"a":)" + std::string(entry) + "}", 8); }

std::vector<MalformedFile> malformed_files() {
    const std::size_t header = kValidHeader.size();
    return {
        {"empty file", {}, "not a safetensors file: the file is empty"},
        {"truncated in the length prefix", first_bytes(valid_file(), 5),
         "truncated: 5 bytes, too short for the 8-byte header length"},
        {"truncated in the header", first_bytes(valid_file(), 40),
         "truncated or corrupt: the header length is " + std::to_string(header) + " bytes but only 32 bytes follow"},
        {"truncated in the data", first_bytes(valid_file(), 8 + header + 10),
         "tensor 'b': data_offsets [8, 12] are out of range: the data section has 10 bytes"},
        {"header length larger than the file", concat({le64(1000), to_bytes("{}")}),
         "the header length is 1000 bytes but only 2 bytes follow the length prefix"},
        {"header length 2^63", concat({le64(std::uint64_t{1} << 63), to_bytes("{}")}),
         "the header length is 9223372036854775808 bytes but only 2 bytes follow"},
        {"invalid JSON", file_with(R"({"a": {"dtype": )", 0),
         "the header is not valid JSON: parse error at line 1, column 17"},
        {"a number too large for a double", file_with(R"({"__metadata__":{},"a":1e999})", 0),
         "the header is not valid JSON: number overflow parsing '1e999'"},
        {"header not UTF-8", file_with("{\"\xc3\x28\":{}}", 0), "the header is not valid JSON: parse error"},
        {"header not an object", file_with("[1, 2]", 0), "the header must be a JSON object, got array"},
        {"tensor entry not an object", tensor_a("[0, 8]"),
         "tensor 'a': expected an object with dtype, shape and data_offsets, got array"},
        {"missing dtype", tensor_a(R"({"shape":[2],"data_offsets":[0,8]})"), "tensor 'a': missing \"dtype\""},
        {"missing shape", tensor_a(R"({"dtype":"F32","data_offsets":[0,8]})"), "tensor 'a': missing \"shape\""},
        {"missing data_offsets", tensor_a(R"({"dtype":"F32","shape":[2]})"), "tensor 'a': missing \"data_offsets\""},
        {"unexpected key", tensor_a(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8],"offset":0})"),
         "tensor 'a': unexpected key \"offset\" (expected dtype, shape and data_offsets)"},
        {"dtype not a string", tensor_a(R"({"dtype":32,"shape":[2],"data_offsets":[0,8]})"),
         "tensor 'a': \"dtype\" must be a string, got 32"},
        {"unknown dtype", tensor_a(R"({"dtype":"F128","shape":[2],"data_offsets":[0,8]})"),
         "tensor 'a': unknown dtype 'F128' (expected one of BOOL, U8,"},
        {"shape not an array", tensor_a(R"({"dtype":"F32","shape":"2","data_offsets":[0,8]})"),
         "tensor 'a': \"shape\" must be an array of non-negative integers, got string"},
        {"negative dimension", tensor_a(R"({"dtype":"F32","shape":[1,-2],"data_offsets":[0,8]})"),
         "tensor 'a': shape dimension 1 is -2, expected a non-negative integer"},
        {"float dimension", tensor_a(R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})"),
         "tensor 'a': shape dimension 0 is 2.5, expected a non-negative integer"},
        {"element count overflows 64 bits", tensor_a(R"({"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,8]})"),
         "tensor 'a': shape (4294967296, 4294967296) of U8 has more bytes than fit in 64 bits"},
        {"byte size overflows 64 bits", tensor_a(R"({"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]})"),
         "tensor 'a': shape (2305843009213693952,) of F64 has more bytes than fit in 64 bits"},
        {"giant declared size", tensor_a(R"({"dtype":"F32","shape":[1000000000,1000],"data_offsets":[0,8]})"),
         "tensor 'a': shape (1000000000, 1000) of F32 needs 4000000000000 bytes, but data_offsets [0, 8] hold 8"},
        {"size and offsets disagree", file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})", 12),
         "tensor 'a': shape (2,) of F32 needs 8 bytes, but data_offsets [0, 12] hold 12"},
        {"offsets out of range", tensor_a(R"({"dtype":"U8","shape":[400],"data_offsets":[0,400]})"),
         "tensor 'a': data_offsets [0, 400] are out of range: the data section has 8 bytes"},
        {"offsets reversed", tensor_a(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})"),
         "tensor 'a': data_offsets [8, 0] end before they begin"},
        {"offsets not a pair", tensor_a(R"({"dtype":"F32","shape":[2],"data_offsets":[8]})"),
         "tensor 'a': \"data_offsets\" must be [begin, end] with non-negative integers, got [8]"},
        {"negative offset", tensor_a(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})"),
         "tensor 'a': \"data_offsets\" must be [begin, end] with non-negative integers, got [-8,0]"},
        {"offset beyond 64 bits", tensor_a(R"({"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]})"),
         "tensor 'a': \"data_offsets\" must be [begin, end] with non-negative integers, got [0,1.8446744073709552e+19]"},
        {"overlapping tensors", file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
         "tensor 'b': data_offsets [4, 12] overlap tensor 'a' [0, 8]"},
        {"hole between tensors", file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})", 20),
         "tensor 'b': data_offsets [12, 20] leave a hole: bytes [8, 12) belong to no tensor"},
        {"hole before the first tensor", file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
         "tensor 'a': data_offsets [4, 12] leave a hole: bytes [0, 4) belong to no tensor"},
        {"trailing bytes", concat({valid_file(), to_bytes("junk")}),
         "the data section has 16 bytes but the tensors cover only 12 (trailing bytes)"},
        {"metadata not an object", file_with(R"({"__metadata__":["kx"]})", 0),
         "\"__metadata__\" must be an object of strings, got array"},
        {"metadata value not a string", file_with(R"({"__metadata__":{"format":"kx","epoch":3}})", 0),
         "__metadata__ 'epoch' must be a string, got 3"},
        {"duplicate tensor names", file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                             R"("a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})", 8),
         "the header declares tensor 'a' twice"},
        {"duplicate key in a tensor", tensor_a(R"({"dtype":"F32","dtype":"U8","shape":[2],"data_offsets":[0,8]})"),
         "tensor 'a': the key \"dtype\" appears twice"},
        {"duplicate metadata", file_with(R"({"__metadata__":{"a":"1"},"__metadata__":{"a":"2"}})", 0),
         "the header has two __metadata__ objects"},
        {"duplicate metadata key", file_with(R"({"__metadata__":{"format":"kx","format":"pt"}})", 0),
         "__metadata__: the key \"format\" appears twice"},
        {"nesting deeper than a header", tensor_a(R"({"dtype":"F32","shape":[[2]],"data_offsets":[0,8]})"),
         "the header nests JSON deeper than a safetensors header can (in 'a')"},
    };
}

// --- Model files: a valid container whose content does not make a model -------------------------

void load_model_file(const std::string& path) { kx::models::load_model(path); }
void load_model_image(const std::string& path) {
    kx::io::load_model_from_bytes(kx::io::read_file(path, std::size_t{1} << 30), path);
}

// A saved, trained model: Dense(3) on 2 inputs, SGD with momentum (one slot per variable).
kx::io::SafetensorsFile saved_model(const TempDir& dir) {
    kx::Sequential model({kx::layers::Input({2}), kx::layers::Dense(3, "linear", "d")}, "m");
    model.compile({.optimizer = kx::optimizers::SGD({.learning_rate = 0.1, .momentum = 0.9}), .loss = "mse"});
    model.train_on_batch(kx::Tensor({2, 2}, {1, 2, 3, 4}), kx::Tensor::ones({2, 3}));
    model.save(dir.file("valid.kx"));
    return kx::io::read_safetensors(dir.file("valid.kx"));
}

// `file` written again after `change` edits its metadata and tensors.
Bytes altered(kx::io::SafetensorsFile file, const std::function<void(kx::io::SafetensorsFile&)>& change) {
    change(file);
    std::vector<kx::io::TensorView> views;
    Bytes data;
    for (const auto& t : file.tensors) {
        views.push_back({t.name, t.dtype, t.shape, t.data});
        data.insert(data.end(), t.data.begin(), t.data.end());
    }
    return concat({kx::io::encode_header(views, file.metadata), data});
}

// The model config with `edit` applied to its JSON.
std::function<void(kx::io::SafetensorsFile&)> edit_config(const std::function<void(nlohmann::json&)>& edit) {
    return [edit](kx::io::SafetensorsFile& file) {
        nlohmann::json config = nlohmann::json::parse(file.metadata.at("model_config"));
        edit(config);
        file.metadata["model_config"] = config.dump();
    };
}

std::vector<MalformedFile> malformed_models(const TempDir& dir) {
    const kx::io::SafetensorsFile valid = saved_model(dir);
    const std::vector<Reader> loaders = {load_model_file, load_model_image};
    auto row = [&](std::string description, const std::function<void(kx::io::SafetensorsFile&)>& change, std::string expected) {
        return MalformedFile{std::move(description), altered(valid, change), std::move(expected), loaders};
    };
    auto kernel = [](kx::io::SafetensorsFile& f) -> kx::io::TensorRecord& {
        return const_cast<kx::io::TensorRecord&>(f.tensor("layers/d/vars/0"));
    };
    return {
        row("no kerasxx format", [](auto& f) { f.metadata.erase("format"); }, "not a kerasxx model file"),
        row("a newer format version", [](auto& f) { f.metadata["format_version"] = "2"; },
            "format_version 2 is not one this kerasxx reads (it reads 1)"),
        row("a weights-only file", [](auto& f) { f.metadata["content"] = "weights"; }, "holds weights only"),
        row("no model config", [](auto& f) { f.metadata.erase("model_config"); }, "model_config"),
        row("model config not JSON", [](auto& f) { f.metadata["model_config"] = "{\"class_name\": "; },
            "(model_config): invalid JSON"),
        row("model config nested 100000 deep",
            [](auto& f) { f.metadata["model_config"] = std::string(100000, '[') + std::string(100000, ']'); },
            "(model_config): the JSON nests deeper than 64 levels"),
        row("unknown layer class", edit_config([](auto& c) { c["config"]["layers"][1]["class_name"] = "Dense9000"; }),
            "unknown layer class 'Dense9000'"),
        row("not a model", edit_config([](auto& c) { c = c["config"]["layers"][1]; }), "expected a model config"),
        row("a config field of the wrong type", edit_config([](auto& c) { c["config"]["layers"][1]["config"]["units"] = "three"; }),
            "invalid config for Dense"),
        row("config and weights disagree (shape)", edit_config([](auto& c) { c["config"]["layers"][1]["config"]["units"] = 2; }),
            "the model's weight 0, 'd/kernel', is F32 (2, 2)"),
        row("a giant layer in the config", edit_config([](auto& c) { c["config"]["layers"][1]["config"]["units"] = 1LL << 40; }),
            "the config asks for weight 'd/kernel' of shape (2, 1099511627776), more than the file's tensors hold"),
        row("a weight missing", [](auto& f) { f.tensors.erase(f.tensors.begin() + 1); },
            "the file holds 1 weights, the model 'm' has 2"),
        row("a weight of the wrong dtype", [&](auto& f) { kernel(f).dtype = "I32"; }, "'layers/d/vars/0', is I32 (2, 3)"),
        row("an optimizer slot of the wrong shape",
            [](auto& f) {
                auto& slot = const_cast<kx::io::TensorRecord&>(f.tensor("optimizer/vars/1"));
                slot.shape = {3, 2};
            },
            "tensor 'optimizer/vars/1' (optimizer slot"),
        row("a negative iteration count",
            [](auto& f) {
                auto& iterations = const_cast<kx::io::TensorRecord&>(f.tensor("optimizer/vars/0"));
                const std::int64_t minus_one = -1;
                std::memcpy(iterations.data.data(), &minus_one, sizeof minus_one);
            },
            "the optimizer's iteration count is negative"),
        row("an unknown optimizer in the compile config",
            [](auto& f) {
                nlohmann::json compile = nlohmann::json::parse(f.metadata.at("compile_config"));
                compile["optimizer"]["class_name"] = "Adamantium";
                f.metadata["compile_config"] = compile.dump();
            },
            "cannot compile the model from its compile_config"),
    };
}

}  // namespace

TEST_CASE("model files that are valid containers but not valid models give a kx::Error naming the file and the defect",
          "[io4][model-file]") {
    TempDir dir;
    const auto path = dir.file("bad_model.kx");
    const auto files = malformed_models(dir);
    for (const auto& file : files) {
        write_bytes(path, file.bytes);
        for (std::size_t reader = 0; reader < file.readers.size(); ++reader) {
            INFO(file.description << " (reader " << reader << ")");
            REQUIRE_THROWS_AS(file.readers[reader](path), kx::Error);
            REQUIRE_THROWS_WITH(file.readers[reader](path), Catch::StartsWith(path + ": ") && Catch::Contains(file.expected));
        }
    }
    // The unaltered file loads: the rows fail for their defect, not for the way they were written.
    write_bytes(path, altered(saved_model(dir), [](auto&) {}));
    CHECK(kx::models::load_model(path)->count_params() == 9);
}

TEST_CASE("malformed files give a kx::Error naming the file and the defect", "[io4]") {
    TempDir dir;
    const auto path = dir.file("bad.kx");
    const auto files = malformed_files();
    CHECK(files.size() >= 20);
    for (const auto& file : files) {
        write_bytes(path, file.bytes);
        for (std::size_t reader = 0; reader < file.readers.size(); ++reader) {
            INFO(file.description << " (reader " << reader << ")");
            REQUIRE_THROWS_AS(file.readers[reader](path), kx::Error);
            REQUIRE_THROWS_WITH(file.readers[reader](path), Catch::StartsWith(path + ": ") && Catch::Contains(file.expected));
        }
    }
}

TEST_CASE("a header longer than 100 MiB is refused before it is parsed", "[io4]") {
    // A 100 MiB + 8 header of spaces: within the file, but over the limit.
    const std::uint64_t length = (std::uint64_t{100} << 20) + 8;
    Bytes image = concat({le64(length), Bytes(length, std::byte{' '})});
    REQUIRE_THROWS_WITH(kx::io::decode_safetensors(image, "big.kx"),
                        "big.kx: the header length 104857608 is more than the limit of 104857600 bytes");
}

TEST_CASE("every truncation of a valid file is refused", "[io4]") {
    const std::vector<float> kernel = {1, 2, 3, 4, 5, 6};
    const std::vector<float> bias = {0.5f, -0.5f};
    const auto header = kx::io::encode_header({{"kernel", "F32", {3, 2}, bytes_of(kernel)}, {"bias", "F32", {2}, bytes_of(bias)}},
                                              {{"format", "kx"}});
    const Bytes image = concat({header, bytes_of(kernel), bytes_of(bias)});
    REQUIRE(kx::io::decode_safetensors(image, "whole.kx").tensors.size() == 2);
    for (std::size_t size = 0; size < image.size(); ++size) {
        INFO("first " << size << " bytes");
        REQUIRE_THROWS_AS(kx::io::decode_safetensors(first_bytes(image, size), "cut.kx"), kx::Error);
    }
}
