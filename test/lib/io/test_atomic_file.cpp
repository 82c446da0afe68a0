#include "io/atomic_file.hpp"
#include "io_test_files.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace kx::io_test;

namespace {

// The id of a process that has exited and been reaped: kill(pid, 0) fails with ESRCH.
pid_t dead_pid() {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
    return pid;
}

mode_t mode_of(const std::string& path) {
    struct stat info {};
    REQUIRE(stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

}  // namespace

TEST_CASE("atomic_write_file writes the pieces in order and replaces an existing file", "[io4]") {
    TempDir dir;
    const auto path = dir.file("model.kx");
    kx::io::atomic_write_file(path, {to_bytes("hello, "), to_bytes(""), to_bytes("world")});
    CHECK(to_text(read_bytes(path)) == "hello, world");

    const Bytes second = to_bytes("second");
    const std::vector<std::span<const std::byte>> pieces = {second};
    kx::io::atomic_write_file(path, pieces);
    CHECK(to_text(read_bytes(path)) == "second");
    CHECK(dir.names() == std::vector<std::string>{"model.kx"});

    kx::io::atomic_write_file(path, {});
    CHECK(read_bytes(path).empty());
}

TEST_CASE("atomic_write_file keeps a replaced file's permissions and gives a new one 0666 minus the umask", "[io4]") {
    TempDir dir;
    const mode_t mask = umask(022);
    kx::io::atomic_write_file(dir.file("new.kx"), {to_bytes("x")});
    CHECK(mode_of(dir.file("new.kx")) == 0644);

    chmod(dir.file("new.kx").c_str(), 0600);
    kx::io::atomic_write_file(dir.file("new.kx"), {to_bytes("y")});
    CHECK(mode_of(dir.file("new.kx")) == 0600);
    umask(mask);
}

TEST_CASE("atomic_write_file removes temporary files of dead writers only, and only its target's", "[io4]") {
    TempDir dir;
    const std::string dead = std::to_string(dead_pid());
    const std::string alive = std::to_string(getpid());
    const std::vector<std::string> stale = {".ckpt.kx.tmp-" + dead + "-a1b2c3", ".ckpt.kx.tmp-" + dead + "-zzzzzz"};
    const std::vector<std::string> kept = {
        ".ckpt.kx.tmp-" + alive + "-a1b2c3",   // a live writer's, maybe a concurrent save
        ".other.kx.tmp-" + dead + "-a1b2c3",   // another target's
        ".ckpt.kx.tmp-notapid-a1b2c3",          // not ours to judge
        "ckpt.kx.bak",
    };
    for (const auto& name : stale) write_bytes(dir.file(name), to_bytes("partial"));
    for (const auto& name : kept) write_bytes(dir.file(name), to_bytes("keep"));

    kx::io::atomic_write_file(dir.file("ckpt.kx"), {to_bytes("new")});

    std::vector<std::string> expected = kept;
    expected.push_back("ckpt.kx");
    std::sort(expected.begin(), expected.end());
    CHECK(dir.names() == expected);
}

TEST_CASE("atomic_write_file into a missing directory names the path and the failing step", "[io4]") {
    TempDir dir;
    const auto path = dir.file("missing/model.kx");
    REQUIRE_THROWS_WITH(kx::io::atomic_write_file(path, {to_bytes("x")}),
                        path + ": cannot save: No such file or directory while creating the temporary file");
    REQUIRE_THROWS_WITH(kx::io::atomic_write_file(dir.path() + "/", {to_bytes("x")}),
                        Catch::Contains("the path names a directory, expected a file path"));
}

TEST_CASE("atomic_write_file over a directory fails at the rename and leaves no temporary file", "[io4]") {
    TempDir dir;
    const auto path = dir.file("taken");
    std::filesystem::create_directory(path);
    REQUIRE_THROWS_WITH(kx::io::atomic_write_file(path, {to_bytes("x")}),
                        path + ": cannot save: Is a directory while renaming the temporary file");
    CHECK(dir.names() == std::vector<std::string>{"taken"});
}

TEST_CASE("read_file returns the whole file and refuses files larger than max_bytes before reading them", "[io4]") {
    TempDir dir;
    const auto path = dir.file("data.bin");
    write_bytes(path, to_bytes("0123456789"));
    CHECK(to_text(kx::io::read_file(path, 10)) == "0123456789");
    REQUIRE_THROWS_WITH(kx::io::read_file(path, 9),
                        path + ": cannot read: the file is 10 bytes, more than the limit of 9 bytes");
    REQUIRE_THROWS_WITH(kx::io::read_file(dir.file("absent.bin"), 100),
                        dir.file("absent.bin") + ": cannot read: No such file or directory while opening it");
    REQUIRE_THROWS_WITH(kx::io::read_file(dir.path(), 100), dir.path() + ": cannot read: not a regular file");
}

TEST_CASE("InputFile reads ranges and reports a file that is shorter than the range", "[io4]") {
    TempDir dir;
    const auto path = dir.file("data.bin");
    write_bytes(path, to_bytes("0123456789"));
    const kx::io::InputFile file(path);
    CHECK(file.size() == 10);
    Bytes piece(4);
    file.read_at(3, piece);
    CHECK(to_text(piece) == "3456");
    REQUIRE_THROWS_WITH(file.read_at(8, piece), path + ": cannot read: the file became shorter while it was read");
}
