#include "lib/datasets/idx_files.hpp"

#include <kerasxx/datasets.hpp>

using namespace kx::datasets_test;
using Catch::Matchers::Contains;

namespace {

const Bytes six_pixels = {0, 1, 2, 253, 254, 255};

}  // namespace

TEST_CASE("read_idx reads a plain ubyte file into a float tensor of the declared shape", "[datasets]") {
    TempDir dir;
    const kx::Tensor t = kx::datasets::read_idx(dir.write("plain-idx2-ubyte", idx_file(0x08, {2, 3}, six_pixels)));
    CHECK(t.shape() == kx::Shape{2, 3});
    CHECK(t.to_vector() == std::vector<float>{0, 1, 2, 253, 254, 255});
}

TEST_CASE("read_idx reads a gzipped file, recognised by content rather than by name", "[datasets]") {
    TempDir dir;
    Bytes raw(3 * 70000);   // several 65535-byte stored blocks and more than one read chunk boundary
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<unsigned char>(i * 7 % 256);
    const kx::Tensor t = kx::datasets::read_idx(dir.write("no-gz-suffix", gzip(idx_file(0x08, {3, 70000}, raw))));
    REQUIRE(t.shape() == kx::Shape{3, 70000});
    CHECK(t.at({0, 0}) == 0.0f);
    CHECK(t.at({0, 1}) == 7.0f);
    CHECK(t.at({2, 69999}) == static_cast<float>((3 * 70000 - 1) * 7 % 256));
    double sum = 0;
    for (float v : t.to_vector()) sum += v;
    double expected = 0;
    for (unsigned char v : raw) expected += v;
    CHECK(sum == expected);
}

TEST_CASE("read_idx decodes every IDX type from big-endian to float32", "[datasets]") {
    TempDir dir;
    // Byte patterns from Python's struct.pack('>h' / '>i' / '>f' / '>d', value).
    struct Case {
        std::uint8_t type;
        Bytes data;
        std::vector<float> expected;
    };
    const Case cases[] = {
        {0x08, {0x00, 0x80, 0xff}, {0, 128, 255}},
        {0x09, {0xff, 0x7f, 0x80}, {-1, 127, -128}},
        {0x0B, {0xff, 0xfe, 0x01, 0x2c}, {-2, 300}},
        {0x0C, {0xff, 0xfe, 0xee, 0x90, 0x01, 0x00, 0x00, 0x00}, {-70000, 16777216}},
        {0x0D, {0x3f, 0xc0, 0x00, 0x00, 0xbe, 0x80, 0x00, 0x00}, {1.5f, -0.25f}},
        {0x0E, {0x40, 0x0a, 0, 0, 0, 0, 0, 0, 0xbf, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc}, {3.25f, -1e-3f}},
    };
    for (const Case& c : cases) {
        DYNAMIC_SECTION("type code " << int(c.type)) {
            const auto n = static_cast<std::uint32_t>(c.expected.size());
            const kx::Tensor plain = kx::datasets::read_idx(dir.write("plain", idx_file(c.type, {n}, c.data)));
            const kx::Tensor gz = kx::datasets::read_idx(dir.write("gz", gzip(idx_file(c.type, {n}, c.data))));
            CHECK(plain.shape() == kx::Shape{n});
            CHECK(plain.to_vector() == c.expected);
            CHECK(gz.to_vector() == c.expected);
        }
    }
}

TEST_CASE("read_idx returns an empty tensor when a dimension is 0", "[datasets]") {
    TempDir dir;
    const kx::Tensor plain = kx::datasets::read_idx(dir.write("plain", idx_file(0x08, {0, 28}, {})));
    const kx::Tensor gz = kx::datasets::read_idx(dir.write("gz", gzip(idx_file(0x08, {0, 28}, {}))));
    CHECK(plain.shape() == kx::Shape{0, 28});
    CHECK(gz.shape() == kx::Shape{0, 28});
}

TEST_CASE("read_idx rejects malformed files with a message naming the file and the defect", "[datasets]") {
    TempDir dir;
    const Bytes good = idx_file(0x08, {2, 3}, six_pixels);
    const Bytes good_gz = gzip(good);
    Bytes corrupt_gz = good_gz;
    corrupt_gz[10 + 5 + 17] ^= 0x01;   // the last pixel (gzip header, block header, 17 bytes): CRC-32 mismatch
    Bytes short_gz(good_gz.begin(), good_gz.end() - 4);   // the size field of the trailer is missing
    Bytes long_plain = good;
    long_plain.insert(long_plain.end(), {7, 7});

    struct Case {
        const char* name;
        Bytes bytes;
        const char* message;
    };
    const Case cases[] = {
        {"bad magic", {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0},
         "is not an IDX file: bad magic number 0x12340801 (expected 0x0000TTNN"},
        {"unknown type", {0, 0, 0x07, 0x01, 0, 0, 0, 0}, "has an unknown type code 0x07 in its magic number 0x00000701"},
        {"zero dimensions", {0, 0, 0x08, 0x00}, "declares 0 dimensions in its magic number 0x00000800"},
        {"truncated magic", {0, 0}, "is truncated: it ends after 2 bytes, inside the 4-byte magic number"},
        {"truncated header", {0, 0, 0x08, 0x03, 0, 0, 0, 2, 0, 0},
         "is truncated: its header declares 3 dimensions (16 header bytes) but the file ends after 10 bytes"},
        {"truncated data", Bytes(good.begin(), good.end() - 1),
         "is truncated: its header declares shape (2, 3) of ubyte, 6 data bytes after the 12-byte header, "
         "but the file holds only 5"},
        {"truncated gzipped data", gzip(Bytes(good.begin(), good.end() - 1)),
         "is truncated: its header declares shape (2, 3) of ubyte, 6 data bytes after the 12-byte header, "
         "but the decompressed file holds only 5"},
        {"bytes after the data", long_plain,
         "has 2 extra bytes after the shape (2, 3) of ubyte, 6 data bytes after the 12-byte header"},
        {"gzipped bytes after the data", gzip(long_plain),
         "has 2 extra bytes after the shape (2, 3) of ubyte, 6 data bytes after the 12-byte header"},
        {"gzip stream cut in its trailer", short_gz,
         "is truncated: its gzip stream ends before its end-of-stream marker and checksum"},
        {"gzip checksum mismatch", corrupt_gz, "is corrupt: incorrect data check"},
        {"dimension product overflows 64 bits", idx_file(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {}),
         "declares shape (4294967295, 4294967295, 4294967295), more than the limit of 2^31 = 2147483648 elements"},
        {"too many elements", idx_file(0x0E, {50000, 50000}, {}),
         "declares shape (50000, 50000), more than the limit of 2^31 = 2147483648 elements"},
        {"gzip too small for its declared size", gzip(idx_file(0x08, {40000, 40000}, {})),
         "declares shape (40000, 40000) of ubyte, 1600000000 data bytes after the 12-byte header, "
         "more than a gzip file of 35 bytes can hold"},
    };
    for (const Case& c : cases) {
        DYNAMIC_SECTION(c.name) {
            const std::string path = dir.write("bad.idx", c.bytes);
            REQUIRE_THROWS_AS(kx::datasets::read_idx(path), kx::Error);
            REQUIRE_THROWS_WITH(kx::datasets::read_idx(path),
                                Contains("read_idx: '" + path + "' ") && Contains(c.message));
        }
    }
}

TEST_CASE("read_idx says when the file is missing or not a regular file", "[datasets]") {
    TempDir dir;
    const std::string missing = (dir.path() / "missing-idx1-ubyte.gz").string();
    REQUIRE_THROWS_WITH(kx::datasets::read_idx(missing), "read_idx: '" + missing + "' does not exist");
    REQUIRE_THROWS_WITH(kx::datasets::read_idx(dir.str()), "read_idx: '" + dir.str() + "' is not a regular file");
}
