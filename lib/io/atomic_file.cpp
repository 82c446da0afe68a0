#include "atomic_file.hpp"

#include <kerasxx/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string_view>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kx::io {

namespace {

std::string cause(int error) { return std::strerror(error); }

[[noreturn]] void save_failed(const std::string& path, int error, const char* step) {
    throw Error(path + ": cannot save: " + cause(error) + " while " + step);
}

[[noreturn]] void read_failed(const std::string& path, int error, const char* step) {
    throw Error(path + ": cannot read: " + cause(error) + " while " + step);
}

// "dir/name" -> {"dir", "name"}; "name" -> {".", "name"}; "/name" -> {"/", "name"}.
std::pair<std::string, std::string> split_path(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string temp_prefix(const std::string& name) { return "." + name + ".tmp-"; }

// The process's umask without umask(2), which sets it too and would race with other threads.
mode_t current_umask() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
    }
    return 022;
}

// Removes ".<name>.tmp-<pid>-XXXXXX" files whose writer no longer exists (it was killed between
// mkstemp and rename). Temporary files of live writers, including concurrent ones, are theirs.
void remove_stale_temps(const std::string& dir, const std::string& name) {
    DIR* handle = opendir(dir.c_str());
    if (handle == nullptr) return;   // mkstemp will report the real problem
    const std::string prefix = temp_prefix(name);
    while (const dirent* entry = readdir(handle)) {
        const std::string_view file = entry->d_name;
        if (file.substr(0, prefix.size()) != prefix) continue;
        const std::string_view rest = file.substr(prefix.size());
        const auto dash = rest.find('-');
        if (dash == std::string_view::npos || dash == 0 || dash > 9) continue;
        pid_t pid = 0;
        bool digits = true;
        for (const char c : rest.substr(0, dash)) {
            digits = digits && c >= '0' && c <= '9';
            pid = pid * 10 + (c - '0');
        }
        if (!digits || pid <= 0) continue;
        if (kill(pid, 0) == -1 && errno == ESRCH) unlinkat(dirfd(handle), entry->d_name, 0);
    }
    closedir(handle);
}

void write_all(int fd, std::span<const std::byte> bytes, const std::string& path) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            save_failed(path, errno, "writing the temporary file");
        }
        bytes = bytes.subspan(static_cast<std::size_t>(written));
    }
}

void sync_directory(const std::string& dir, const std::string& path) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) save_failed(path, errno, "opening the directory to sync it (the new file is in place)");
    // Some file systems cannot sync a directory (EINVAL); the rename is then as durable as they allow.
    if (fsync(fd) != 0 && errno != EINVAL) {
        const int error = errno;
        ::close(fd);
        save_failed(path, error, "syncing the directory (the new file is in place)");
    }
    ::close(fd);
}

// Owns the temporary file until it has been renamed: every exit path before that removes it.
class TempFile {
public:
    TempFile(const std::string& dir, const std::string& name, const std::string& path) : path_(path) {
        name_ = (dir == "/" ? "" : dir) + "/" + temp_prefix(name) + std::to_string(getpid()) + "-XXXXXX";
        fd_ = mkostemp(name_.data(), O_CLOEXEC);
        if (fd_ < 0) save_failed(path_, errno, "creating the temporary file");
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!renamed_) ::unlink(name_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    int fd() const { return fd_; }
    void close() {
        const int fd = fd_;
        fd_ = -1;   // closed even when close() fails (Linux), so never closed twice
        if (::close(fd) != 0) save_failed(path_, errno, "closing the temporary file");
    }
    void rename_over_target() {
        if (::rename(name_.c_str(), path_.c_str()) != 0) save_failed(path_, errno, "renaming the temporary file");
        renamed_ = true;
    }

private:
    std::string path_;
    std::string name_;
    int fd_ = -1;
    bool renamed_ = false;
};

}  // namespace

void remove_stale_temps(const std::string& path) {
    const auto [dir, name] = split_path(path);
    if (!name.empty()) remove_stale_temps(dir, name);
}

void atomic_write_file(const std::string& path, std::initializer_list<std::span<const std::byte>> pieces) {
    atomic_write_file(path, std::vector<std::span<const std::byte>>(pieces));
}

void atomic_write_file(const std::string& path, const std::vector<std::span<const std::byte>>& pieces) {
    const auto [dir, name] = split_path(path);
    if (name.empty()) throw Error("'" + path + "': cannot save: the path names a directory, expected a file path");
    remove_stale_temps(dir, name);

    TempFile temp(dir, name, path);
    struct stat target {};
    const mode_t mode = ::stat(path.c_str(), &target) == 0 ? (target.st_mode & 07777) : (0666 & ~current_umask());
    if (fchmod(temp.fd(), mode) != 0) save_failed(path, errno, "setting the temporary file's permissions");
    for (const auto& piece : pieces) write_all(temp.fd(), piece, path);
    if (fsync(temp.fd()) != 0) save_failed(path, errno, "syncing the temporary file");
    temp.close();
    temp.rename_over_target();
    sync_directory(dir, path);
}

InputFile::InputFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) read_failed(path, errno, "opening it");
    struct stat info {};
    if (fstat(fd_, &info) != 0) {
        const int error = errno;
        ::close(fd_);
        read_failed(path, error, "reading its size");
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd_);
        throw Error(path + ": cannot read: not a regular file");
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
}

InputFile::~InputFile() { ::close(fd_); }

void InputFile::read_at(std::uint64_t offset, std::span<std::byte> out) const {
    while (!out.empty()) {
        const ssize_t got = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR) continue;
            read_failed(path_, errno, "reading it");
        }
        if (got == 0) throw Error(path_ + ": cannot read: the file became shorter while it was read");
        out = out.subspan(static_cast<std::size_t>(got));
        offset += static_cast<std::uint64_t>(got);
    }
}

std::vector<std::byte> read_file(const std::string& path, std::size_t max_bytes) {
    const InputFile file(path);
    if (file.size() > max_bytes) {
        throw Error(path + ": cannot read: the file is " + std::to_string(file.size()) + " bytes, more than the limit of " +
                    std::to_string(max_bytes) + " bytes");
    }
    std::vector<std::byte> bytes(static_cast<std::size_t>(file.size()));
    file.read_at(0, bytes);
    return bytes;
}

}  // namespace kx::io
