#include "io/safetensors.hpp"
#include "io_test_files.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

using namespace kx::io_test;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace {

template <typename T>
std::vector<T> values_of(const kx::io::TensorRecord& record) {
    REQUIRE(record.data.size() % sizeof(T) == 0);
    std::vector<T> values(record.data.size() / sizeof(T));
    std::memcpy(values.data(), record.data.data(), record.data.size());
    return values;
}

}  // namespace

TEST_CASE("write_safetensors round-trips tensors of several dtypes, scalars, empty tensors and metadata", "[io4]") {
    TempDir dir;
    const std::vector<float> f32 = {1.5f, -0.0f, std::numeric_limits<float>::infinity(), 3.25e-38f, -7.0f, 1e30f};
    const std::vector<double> f64 = {0.1, -2.5e300};
    const std::vector<std::int32_t> i32 = {-2147483647 - 1, 0, 2147483647};
    const std::vector<std::int64_t> i64 = {-9000000000000000000LL};
    const std::vector<std::uint8_t> u8 = {0, 127, 255, 1};
    const std::vector<std::uint64_t> u64 = {18446744073709551615ULL, 42};
    const std::vector<float> none;
    const std::vector<kx::io::TensorView> tensors = {
        {"dense/kernel", "F32", {2, 3}, bytes_of(f32)},
        {"f64", "F64", {2}, bytes_of(f64)},
        {"i32", "I32", {3, 1}, bytes_of(i32)},
        {"scalar", "I64", {}, bytes_of(i64)},
        {"empty", "F32", {0, 4}, bytes_of(none)},
        {"u8", "U8", {2, 2}, bytes_of(u8)},
        {"u64", "U64", {2}, bytes_of(u64)},
    };
    const kx::io::Metadata metadata = {{"format", "kx"}, {"model_config", "{\"class_name\": \"Sequential\"}"}};
    const auto path = dir.file("all.kx");
    kx::io::write_safetensors(path, tensors, metadata);

    const auto from_file = kx::io::read_safetensors(path);
    const auto from_bytes = kx::io::decode_safetensors(read_bytes(path), "in memory");
    CHECK(from_bytes.source == "in memory");
    for (const auto* file : {&from_file, &from_bytes}) {
        CHECK(file->metadata == metadata);
        CHECK(file->meta("format") == "kx");
        REQUIRE(file->tensors.size() == tensors.size());
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            INFO("tensor " << tensors[i].name);
            // Written in the given order, so offset order is the same.
            CHECK(file->tensors[i].name == tensors[i].name);
            CHECK(file->tensors[i].dtype == tensors[i].dtype);
            CHECK(file->tensors[i].shape == tensors[i].shape);
            CHECK(file->tensors[i].data == Bytes(tensors[i].data.begin(), tensors[i].data.end()));
        }
        CHECK(values_of<float>(file->tensor("dense/kernel")) == std::vector<float>{1.5f, -0.0f, f32[2], 3.25e-38f, -7.0f, 1e30f});
        CHECK(values_of<std::uint64_t>(file->tensor("u64")) == u64);
        CHECK(values_of<std::int64_t>(file->tensor("scalar")) == i64);
        CHECK(file->contains("empty"));
        CHECK_FALSE(file->contains("bias"));
    }
}

TEST_CASE("safetensors header bytes of a tiny file are pinned: length, compact JSON, space padding", "[io4]") {
    const std::vector<float> a = {1.5f, -2.0f};
    const auto header = kx::io::encode_header({{"a", "F32", {2}, bytes_of(a)}}, {{"format", "kx"}});
    // 85 bytes of JSON + 3 spaces = 88 = 0x58.
    const auto expected = "\x58\0\0\0\0\0\0\0"
                          R"({"__metadata__":{"format":"kx"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})"
                          "   "sv;
    CHECK(to_text(header) == expected);

    TempDir dir;
    kx::io::write_safetensors(dir.file("tiny.kx"), {{"a", "F32", {2}, bytes_of(a)}}, {{"format", "kx"}});
    CHECK(to_text(read_bytes(dir.file("tiny.kx"))) == std::string(expected) + "\x00\x00\xc0\x3f\x00\x00\x00\xc0"s);

    // No metadata: no __metadata__ key, as the reference writes it; no tensors: an empty object.
    CHECK(to_text(kx::io::encode_header({}, {})) == "\x08\0\0\0\0\0\0\0{}      "sv);
}

TEST_CASE("safetensors reads files laid out by the reference implementation", "[io4]") {
    SECTION("Python's save_file({'weight', 'bias', 'step'}, metadata={'format': 'pt'})") {
        // Written by hand following safetensors' serialize(): tensors sorted by dtype (descending:
        // I64 before F32) then name, __metadata__ first, compact JSON padded with spaces to 208 = 0xd0.
        const auto image = "\xd0\0\0\0\0\0\0\0"
                           R"({"__metadata__":{"format":"pt"},)"
                           R"("step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
                           R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
                           R"("weight":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]}})"
                           "  "
                           "\x07\0\0\0\0\0\0\0"                                  // step = 7
                           "\x00\x00\x00\x3f\x00\x00\x80\xbf"                   // bias = [0.5, -1]
                           "\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40"sv;   // [[1, 2], [3, 4]]
        const auto file = kx::io::decode_safetensors(to_bytes(image), "model.safetensors");
        CHECK(file.meta("format") == "pt");
        REQUIRE(file.tensors.size() == 3);
        CHECK(file.tensors[0].name == "step");
        CHECK(values_of<std::int64_t>(file.tensor("step")) == std::vector<std::int64_t>{7});
        CHECK(file.tensor("step").shape.empty());
        CHECK(values_of<float>(file.tensor("bias")) == std::vector<float>{0.5f, -1.0f});
        CHECK(file.tensor("weight").shape == std::vector<std::uint64_t>{2, 2});
        CHECK(values_of<float>(file.tensor("weight")) == std::vector<float>{1, 2, 3, 4});
    }
    SECTION("the reference's documented example: unpadded header, no metadata") {
        const auto image = "<\0\0\0\0\0\0\0"
                           R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}})"
                           "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"sv;
        const auto file = kx::io::decode_safetensors(to_bytes(image), "example");
        CHECK(file.metadata.empty());
        CHECK(values_of<std::int32_t>(file.tensor("test")) == std::vector<std::int32_t>{0, 0, 0, 0});
    }
}

TEST_CASE("safetensors lookups name the source and what is missing", "[io4]") {
    const std::vector<float> a = {1.0f};
    const auto image = concat({kx::io::encode_header({{"a", "F32", {1}, bytes_of(a)}, {"b", "F32", {1}, bytes_of(a)}}, {}),
                               bytes_of(a), bytes_of(a)});
    const auto file = kx::io::decode_safetensors(image, "ckpt.kx");
    REQUIRE_THROWS_WITH(file.tensor("c"), "ckpt.kx: no tensor named 'c' (the file has 2: a, b)");
    REQUIRE_THROWS_WITH(file.meta("format"), "ckpt.kx: no metadata key 'format' in the header's __metadata__");
}

TEST_CASE("safetensors dtypes have the reference's sizes and unknown ones list the valid names", "[io4]") {
    CHECK(kx::io::dtype_size("F32") == 4);
    CHECK(kx::io::dtype_size("F64") == 8);
    CHECK(kx::io::dtype_size("BF16") == 2);
    CHECK(kx::io::dtype_size("U8") == 1);
    CHECK(kx::io::dtype_size("I64") == 8);
    REQUIRE_THROWS_WITH(kx::io::dtype_size("float32"),
                        "unknown safetensors dtype 'float32' (expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, "
                        "F16, BF16, I32, U32, F32, I64, U64, F64)");
}

TEST_CASE("write_safetensors rejects inconsistent tensors before touching the file", "[io4]") {
    TempDir dir;
    const auto path = dir.file("bad.kx");
    const std::vector<float> six(6);
    REQUIRE_THROWS_WITH(kx::io::write_safetensors(path, {{"w", "F32", {2, 2}, bytes_of(six)}}, {}),
                        path + ": tensor 'w': shape (2, 2) of F32 does not match its 24 bytes of data");
    REQUIRE_THROWS_WITH(kx::io::write_safetensors(path, {{"w", "F16x", {6}, bytes_of(six)}}, {}),
                        Catch::Contains("tensor 'w': unknown dtype 'F16x' (expected one of BOOL"));
    REQUIRE_THROWS_WITH(kx::io::write_safetensors(path, {{"w", "F32", {6}, bytes_of(six)}, {"w", "F32", {6}, bytes_of(six)}}, {}),
                        path + ": tensor 'w' is given twice; tensor names must be unique");
    REQUIRE_THROWS_WITH(kx::io::write_safetensors(path, {{"__metadata__", "F32", {6}, bytes_of(six)}}, {}),
                        Catch::Contains("the name __metadata__ is reserved for metadata"));
    REQUIRE_THROWS_WITH(kx::io::encode_header({{"\xff", "F32", {6}, bytes_of(six)}}, {}),
                        "safetensors: tensor names and metadata must be valid UTF-8");
    CHECK(dir.names().empty());
}

TEST_CASE("read_safetensors names a missing file", "[io4]") {
    TempDir dir;
    REQUIRE_THROWS_WITH(kx::io::read_safetensors(dir.file("none.kx")),
                        dir.file("none.kx") + ": cannot read: No such file or directory while opening it");
}
