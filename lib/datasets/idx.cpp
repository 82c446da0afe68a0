// read_idx: the IDX format of MNIST-like data sets, plain or gzipped.
//
// Layout: a 4-byte magic number (0x00 0x00, a type code, the number of dimensions), one big-endian
// uint32 per dimension, then the row-major data, big-endian. zlib's gzread reads gzip and plain files
// alike (plain ones "transparently"), so both go through one code path.
#include <kerasxx/datasets.hpp>
#include <kerasxx/error.hpp>

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace kx::datasets {
namespace {

// Keeps a hostile header from asking for an absurd allocation (2^31 floats = 8 GiB).
constexpr std::uint64_t max_elements = std::uint64_t{1} << 31;
// Deflate expands data by at most ~1032:1, so a gzip file that declares more than this many
// times its own size of data is lying; we refuse before allocating.
constexpr std::uint64_t max_deflate_ratio = 1032;
constexpr std::uint64_t gzip_slack_bytes = 4096;
// Big reads keep zlib in its fast path; a multiple of 8 so no element straddles two chunks.
constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
constexpr unsigned gz_buffer_bytes = 1u << 18;

struct IdxType {
    std::uint8_t code;
    const char* name;
    std::size_t bytes;
};

constexpr IdxType idx_types[] = {
    {0x08, "ubyte", 1}, {0x09, "byte", 1},  {0x0B, "short", 2},
    {0x0C, "int", 4},   {0x0D, "float", 4}, {0x0E, "double", 8},
};

struct GzClose {
    void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzClose>;

std::string hex(std::uint64_t value, int digits) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%0*llx", digits, static_cast<unsigned long long>(value));
    return text;
}

class IdxReader {
public:
    explicit IdxReader(const std::string& path) : path_(path) {}

    Tensor read() {
        open();
        const IdxType& type = read_magic();
        const Shape shape = read_dims();
        const std::uint64_t elements = checked_elements(shape);
        const std::uint64_t payload = elements * type.bytes;
        check_declared_size(shape, type, payload);

        Tensor out = Tensor::empty(shape);
        read_payload(type, out.data(), elements, shape);
        check_nothing_after(payload, shape, type);
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& defect) const {
        throw Error("read_idx: '" + path_ + "' " + defect);
    }

    void open() {
        namespace fs = std::filesystem;
        std::error_code ec;
        const fs::file_status status = fs::status(path_, ec);
        if (!fs::exists(status)) fail("does not exist");
        if (!fs::is_regular_file(status)) fail("is not a regular file");
        file_size_ = fs::file_size(path_, ec);
        if (ec) fail("cannot be read: " + ec.message());
        errno = 0;
        file_.reset(gzopen(path_.c_str(), "rb"));
        if (!file_) fail(std::string("cannot be opened: ") + std::strerror(errno ? errno : ENOMEM));
        gzbuffer(file_.get(), gz_buffer_bytes);
    }

    // Reads up to n bytes; fewer only at the end of the data.
    std::size_t read_up_to(void* dst, std::size_t n) {
        auto* bytes = static_cast<unsigned char*>(dst);
        std::size_t done = 0;
        while (done < n) {
            const auto want = static_cast<unsigned>(std::min<std::size_t>(n - done, INT_MAX));
            const int got = gzread(file_.get(), bytes + done, want);
            if (got < 0) {
                int code = Z_OK;
                std::string message = gzerror(file_.get(), &code);
                if (code == Z_ERRNO) message = std::strerror(errno);
                if (message.starts_with(path_ + ": ")) message.erase(0, path_.size() + 2);   // zlib prefixes the path
                fail("is corrupt: " + message);
            }
            if (got == 0) break;
            done += static_cast<std::size_t>(got);
        }
        return done;
    }

    bool stream_ended_early() {
        int code = Z_OK;
        gzerror(file_.get(), &code);
        return code == Z_BUF_ERROR;   // zlib: "the input ended in the middle of a gzip stream"
    }

    const IdxType& read_magic() {
        unsigned char magic[4];
        const std::size_t got = read_up_to(magic, 4);
        if (got < 4) fail("is truncated: it ends after " + std::to_string(got) +
                          " bytes, inside the 4-byte magic number");
        const std::uint32_t value = (std::uint32_t{magic[0]} << 24) | (std::uint32_t{magic[1]} << 16) |
                                    (std::uint32_t{magic[2]} << 8) | magic[3];
        const std::string expected =
            "(expected 0x0000TTNN: two zero bytes, a type code TT among 08 ubyte, 09 byte, 0b short, "
            "0c int, 0d float, 0e double, and the number of dimensions NN)";
        if (magic[0] != 0 || magic[1] != 0)
            fail("is not an IDX file: bad magic number " + hex(value, 8) + " " + expected);
        const auto* type = std::find_if(std::begin(idx_types), std::end(idx_types),
                                        [&](const IdxType& t) { return t.code == magic[2]; });
        if (type == std::end(idx_types))
            fail("has an unknown type code " + hex(magic[2], 2) + " in its magic number " +
                 hex(value, 8) + " " + expected);
        if (magic[3] == 0) fail("declares 0 dimensions in its magic number " + hex(value, 8) +
                                "; an IDX file has at least 1");
        rank_ = magic[3];
        return *type;
    }

    Shape read_dims() {
        std::vector<unsigned char> raw(4 * rank_);
        const std::size_t got = read_up_to(raw.data(), raw.size());
        if (got < raw.size())
            fail("is truncated: its header declares " + std::to_string(rank_) + " dimensions (" +
                 std::to_string(header_bytes()) + " header bytes) but the file ends after " +
                 std::to_string(4 + got) + " bytes");
        Shape shape(rank_);
        for (std::size_t i = 0; i < rank_; ++i) {
            const unsigned char* b = &raw[4 * i];
            shape[i] = (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) | (std::size_t{b[2]} << 8) | b[3];
        }
        return shape;
    }

    std::size_t header_bytes() const { return 4 + 4 * rank_; }

    // The product of the dimensions, refused when above max_elements. Each dimension is below 2^32
    // and the running product stays at most 2^31, so the multiplication itself cannot overflow.
    std::uint64_t checked_elements(const Shape& shape) const {
        if (std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end()) return 0;
        std::uint64_t elements = 1;
        for (std::size_t dim : shape) {
            elements *= dim;
            if (elements > max_elements)
                fail("declares shape " + to_string(shape) + ", more than the limit of 2^31 = " +
                     std::to_string(max_elements) + " elements");
        }
        return elements;
    }

    std::string declared(const Shape& shape, const IdxType& type, std::uint64_t payload) const {
        return "shape " + to_string(shape) + " of " + type.name + ", " + std::to_string(payload) +
               " data bytes after the " + std::to_string(header_bytes()) + "-byte header";
    }

    void check_declared_size(const Shape& shape, const IdxType& type, std::uint64_t payload) {
        direct_ = gzdirect(file_.get()) == 1;
        if (direct_) {
            const std::uint64_t expected = header_bytes() + payload;
            if (file_size_ < expected)
                fail("is truncated: its header declares " + declared(shape, type, payload) +
                     ", but the file holds only " + std::to_string(file_size_ - header_bytes()));
            if (file_size_ > expected)
                fail("has " + std::to_string(file_size_ - expected) + " extra bytes after the " +
                     declared(shape, type, payload));
        } else if (payload > file_size_ * max_deflate_ratio + gzip_slack_bytes) {
            fail("declares " + declared(shape, type, payload) + ", more than a gzip file of " +
                 std::to_string(file_size_) + " bytes can hold");
        }
    }

    void read_payload(const IdxType& type, float* out, std::uint64_t elements, const Shape& shape) {
        const std::uint64_t payload = elements * type.bytes;
        std::vector<unsigned char> chunk(static_cast<std::size_t>(std::min<std::uint64_t>(payload, chunk_bytes)));
        std::uint64_t done = 0;
        while (done < payload) {
            const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(payload - done, chunk.size()));
            const std::size_t got = read_up_to(chunk.data(), want);
            if (got < want)
                fail("is truncated: its header declares " + declared(shape, type, payload) +
                     ", but the decompressed file holds only " + std::to_string(done + got));
            convert(type.code, chunk.data(), got / type.bytes, out + done / type.bytes);
            done += got;
        }
    }

    void check_nothing_after(std::uint64_t payload, const Shape& shape, const IdxType& type) {
        if (direct_) return;   // already checked against the file size
        std::vector<unsigned char> rest(chunk_bytes);
        std::uint64_t extra = 0;
        while (std::size_t got = read_up_to(rest.data(), rest.size())) extra += got;
        if (extra > 0)
            fail("has " + std::to_string(extra) + " extra bytes after the " + declared(shape, type, payload));
        if (stream_ended_early())
            fail("is truncated: its gzip stream ends before its end-of-stream marker and checksum");
    }

    // Big-endian IDX values -> float32. The ubyte case is the hot one (images): a plain loop that
    // GCC vectorises.
    static void convert(std::uint8_t code, const unsigned char* src, std::size_t n, float* dst) {
        auto be32 = [](const unsigned char* b) {
            return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
        };
        switch (code) {
        case 0x08:
            for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
            break;
        case 0x09:
            for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(static_cast<std::int8_t>(src[i]));
            break;
        case 0x0B:
            for (std::size_t i = 0; i < n; ++i)
                dst[i] = static_cast<float>(static_cast<std::int16_t>((src[2 * i] << 8) | src[2 * i + 1]));
            break;
        case 0x0C:
            for (std::size_t i = 0; i < n; ++i)
                dst[i] = static_cast<float>(static_cast<std::int32_t>(be32(src + 4 * i)));
            break;
        case 0x0D:
            for (std::size_t i = 0; i < n; ++i) dst[i] = std::bit_cast<float>(be32(src + 4 * i));
            break;
        case 0x0E:
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint64_t bits = (std::uint64_t{be32(src + 8 * i)} << 32) | be32(src + 8 * i + 4);
                dst[i] = static_cast<float>(std::bit_cast<double>(bits));
            }
            break;
        default:
            throw Error("read_idx: internal error: unhandled IDX type code " + hex(code, 2));
        }
    }

    std::string path_;
    GzFile file_;
    std::uint64_t file_size_ = 0;
    std::size_t rank_ = 0;
    bool direct_ = false;
};

}  // namespace

Tensor read_idx(const std::string& path) { return IdxReader(path).read(); }

}  // namespace kx::datasets
