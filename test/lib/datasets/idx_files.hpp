// Test helpers: build IDX files byte by byte, gzip them, and write them into a temporary directory;
// set an environment variable for one scope.
//
// gzip here uses deflate's "stored" blocks (no compression) and a bitwise CRC-32, so the tests need
// neither zlib at link time nor a gzip binary, and can cut or corrupt a file at a chosen byte.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace kx::datasets_test {

using Bytes = std::vector<unsigned char>;

inline void append_be32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}

// Magic 0x00 0x00 <type> <rank>, the dimensions, then `data` as given (already big-endian).
inline Bytes idx_file(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& data) {
    Bytes out = {0, 0, type, static_cast<unsigned char>(dims.size())};
    for (std::uint32_t d : dims) append_be32(out, d);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

inline std::uint32_t crc32(const Bytes& bytes) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char b : bytes) {
        crc ^= b;
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// RFC 1952 member: header, deflate stored blocks of at most 65535 bytes, CRC-32, size (little-endian).
inline Bytes gzip(const Bytes& raw) {
    Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    auto le16 = [&](std::size_t v) {
        out.push_back(static_cast<unsigned char>(v));
        out.push_back(static_cast<unsigned char>(v >> 8));
    };
    std::size_t pos = 0;
    do {
        const std::size_t len = std::min<std::size_t>(raw.size() - pos, 65535);
        out.push_back(pos + len == raw.size() ? 1 : 0);   // BFINAL, BTYPE = 00 (stored)
        le16(len);
        le16(~len & 0xFFFF);
        out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos),
                   raw.begin() + static_cast<std::ptrdiff_t>(pos + len));
        pos += len;
    } while (pos < raw.size());
    const std::uint32_t crc = crc32(raw);
    const auto size = static_cast<std::uint32_t>(raw.size());
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<unsigned char>(crc >> shift));
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<unsigned char>(size >> shift));
    return out;
}

// A fresh directory under the system temp dir, removed with its contents at scope exit.
class TempDir {
public:
    TempDir() {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("kerasxx_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }

    std::string write(const std::string& name, const Bytes& bytes) const {
        const std::filesystem::path file = path_ / name;
        std::ofstream(file, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        return file.string();
    }

private:
    std::filesystem::path path_;
};

// Sets an environment variable for one scope, then puts back what was there.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace kx::datasets_test
