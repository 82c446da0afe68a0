// Internal: files that are either completely written or not changed at all.
//
//   kx::io::atomic_write_file("model.kx", {header_bytes, weight_bytes});
//   std::vector<std::byte> bytes = kx::io::read_file("model.kx", 1 << 30);
//
// atomic_write_file writes the pieces to a temporary file in the target's directory
// (".<name>.tmp-<pid>-XXXXXX"), fsyncs it, renames it over the target and fsyncs the directory: a
// crash at any moment leaves either the old file or the new one, never a mix. Any failure (a full
// disk, a write error) removes the temporary file and throws kx::Error
// "<path>: cannot save: <cause> while <step>"; the old file is untouched. Temporary files of the
// same target whose writer process no longer exists (killed mid-write) are removed by the next
// write. A new file gets the permissions open() would give it (0666 minus the umask); a replaced
// file keeps its permissions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace kx::io {

void atomic_write_file(const std::string& path, std::initializer_list<std::span<const std::byte>> pieces);
void atomic_write_file(const std::string& path, const std::vector<std::span<const std::byte>>& pieces);

// Removes the temporary files (".<name>.tmp-<pid>-XXXXXX") that writers of `path` killed mid-write
// left beside it: those whose process no longer exists. atomic_write_file calls it; so do writers
// that stream their own temporary file under the same naming (Dataset::cache's file).
void remove_stale_temps(const std::string& path);

// The whole file; kx::Error naming the path if it cannot be read or is larger than max_bytes
// (checked before anything is allocated).
std::vector<std::byte> read_file(const std::string& path, std::size_t max_bytes);

// A regular file open for reading pieces of it, so that a reader can validate a header before it
// allocates for the rest (read_safetensors reads each tensor straight into its own buffer).
class InputFile {
public:
    explicit InputFile(const std::string& path);   // kx::Error naming the path
    ~InputFile();
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    const std::string& path() const { return path_; }
    std::uint64_t size() const { return size_; }
    // Exactly out.size() bytes from `offset`; kx::Error if the file is shorter (it changed).
    void read_at(std::uint64_t offset, std::span<std::byte> out) const;

private:
    std::string path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

}  // namespace kx::io
