// Crash safety of checkpoint writes: a writer killed with SIGKILL at any moment leaves every
// checkpoint complete (the old one or the new one), the next save clears the killed writer's
// temporary file, and a write error leaves the previous checkpoint byte-identical.
//
// The writers run in forked children of this multi-threaded test process: a child only fills
// buffers and calls the writer (malloc and POSIX I/O; never BLAS or our thread pool), then _exits.
#include "io/safetensors.hpp"
#include "io_test_files.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <set>

#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace kx::io_test;

namespace {

constexpr int kTargets = 3;   // the writer rotates over ckpt-0.kx .. ckpt-2.kx

// A real model, 2 MiB of weights in its first kernel, compiled so its file holds a compile config.
std::unique_ptr<kx::Sequential> make_model() {
    auto model = std::make_unique<kx::Sequential>(std::vector<kx::LayerHandle>{
        kx::layers::Input({512}), kx::layers::Dense(1024, "relu"), kx::layers::Dense(10, "softmax")});
    model->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
    return model;
}

// Element i of weight j at step k: k (mod 3072, a multiple of kTargets) plus a position pattern,
// exact in float, so a file that mixes two saves, or a torn one, does not load as one step.
float value(std::int64_t k, std::size_t j, std::size_t i) {
    return static_cast<float>(k % 3072) + 0.125f * static_cast<float>((i + j) % 8);
}

void set_step(kx::Model& model, std::vector<kx::Tensor>& weights, std::int64_t k) {
    for (std::size_t j = 0; j < weights.size(); ++j) {
        float* data = weights[j].data();
        for (std::size_t i = 0; i < weights[j].size(); ++i) data[i] = value(k, j, i);
    }
    model.set_weights(weights);
}

std::string checkpoint_path(const std::string& dir, std::int64_t k) {
    return dir + "/ckpt-" + std::to_string(k % kTargets) + ".kx";
}

// Whether checkpoint `target` loads as one complete save of a step k with k % kTargets == target.
void check_checkpoint(const std::string& path, int target) {
    INFO(path);
    const auto model = kx::models::load_model(path);
    const auto weights = model->get_weights();
    REQUIRE(weights.size() == 4);
    const auto k = static_cast<std::int64_t>(weights[0].data()[0]);
    REQUIRE(k % kTargets == target);
    for (std::size_t j = 0; j < weights.size(); ++j) {
        const float* data = weights[j].data();
        for (std::size_t i = 0; i < weights[j].size(); ++i) {
            if (data[i] != value(k, j, i)) FAIL("weight " << j << " element " << i << " is not from step " << k);
        }
    }
}

// The pid in ".<target>.tmp-<pid>-XXXXXX".
pid_t temp_owner(const std::string& name) {
    const auto start = name.find(".tmp-") + 5;
    return static_cast<pid_t>(std::stol(name.substr(start, name.find('-', start) - start)));
}

// Saves steps first_step, first_step + 1, ... of `model` forever, writing one byte to `done` after
// each. The model was built before the fork: the child only sets weights and saves.
[[noreturn]] void save_forever(kx::Model& model, std::vector<kx::Tensor>& weights, const std::string& dir,
                               std::int64_t first_step, int done) {
    try {
        for (std::int64_t k = first_step;; ++k) {
            set_step(model, weights, k);
            model.save(checkpoint_path(dir, k));
            const char byte = 1;
            if (write(done, &byte, 1) != 1) _exit(4);
        }
    } catch (...) {
        _exit(3);
    }
}

int count_bytes(int fd) {
    int count = 0;
    char buffer[256];
    for (ssize_t got; (got = read(fd, buffer, sizeof buffer)) != 0;) {
        if (got > 0) count += static_cast<int>(got);
        else if (errno != EINTR) break;
    }
    return count;
}

}  // namespace

TEST_CASE("checkpoints survive SIGKILL at 200 random moments and the next save clears the temporary files", "[io4][crash]") {
    TempDir dir;
    const auto model = make_model();
    auto weights = model->get_weights();
    // Kill moments are spread over about three saves of this machine.
    long save_us = 0;
    for (std::int64_t k = 0; k < kTargets; ++k) {
        const auto started = std::chrono::steady_clock::now();
        set_step(*model, weights, k);
        model->save(checkpoint_path(dir.path(), k));
        const auto elapsed = std::chrono::steady_clock::now() - started;
        save_us = std::max<long>(save_us, std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
    }
    // fsync's latency varies from run to run: the range follows it, so that the kills keep landing
    // both inside saves and after completed ones.
    long max_delay_us = std::clamp<long>(3 * save_us, 2000, 60000);
    std::mt19937 rng(20260);

    std::array<std::pair<ino_t, long>, kTargets> checked{};   // (inode, mtime) of each validated file
    int kills_after_a_save = 0;
    int kills_mid_save = 0;
    for (int round = 0; round < 200; ++round) {
        int done[2];
        REQUIRE(pipe(done) == 0);
        const std::int64_t first_step = std::int64_t{round} * 1000000 + 1;
        const pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            close(done[0]);
            save_forever(*model, weights, dir.path(), first_step, done[1]);
        }
        close(done[1]);
        usleep(static_cast<useconds_t>(std::uniform_int_distribution<long>(0, max_delay_us)(rng)));
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        INFO("round " << round);
        REQUIRE(WIFSIGNALED(status));   // otherwise the writer failed (exit code 3: it threw)
        const int completed_saves = count_bytes(done[0]);
        close(done[0]);

        for (int target = 0; target < kTargets; ++target) {
            const auto path = dir.file("ckpt-" + std::to_string(target) + ".kx");
            struct stat info {};
            if (stat(path.c_str(), &info) != 0) continue;
            // Each completed save is a new file (the rename); unchanged ones were checked already.
            const std::pair identity(info.st_ino, info.st_mtim.tv_sec * 1000000000L + info.st_mtim.tv_nsec);
            if (identity == checked[target]) continue;
            check_checkpoint(path, target);
            checked[target] = identity;
        }
        // A completed save to a target removed the temporary files that killed writers left for
        // it; only the child's own interrupted save can have left one since.
        std::set<int> saved_targets;
        for (int i = 0; i < std::min(completed_saves, kTargets); ++i) saved_targets.insert(static_cast<int>((first_step + i) % kTargets));
        int own_temps = 0;
        for (const auto& name : dir.temp_names()) {
            INFO(name << " after " << completed_saves << " completed saves");
            const int target = name[6] - '0';   // ".ckpt-<target>.kx.tmp-..."
            if (temp_owner(name) == child) ++own_temps;
            else REQUIRE(saved_targets.count(target) == 0);
        }
        REQUIRE(own_temps <= 1);
        kills_after_a_save += completed_saves > 0;
        if (completed_saves == 0) max_delay_us = std::min<long>(max_delay_us * 11 / 10, 60000);
        if (completed_saves >= 2) max_delay_us = std::max<long>(max_delay_us * 9 / 10, 2000);
        kills_mid_save += own_temps;
    }
    // The kill moments hit both inside a save and after completed ones (typically dozens of each;
    // timing-dependent, so only required to happen, not counted: ASan builds save slower).
    CHECK(kills_after_a_save > 0);
    CHECK(kills_mid_save > 0);

    for (std::int64_t k = 0; k < kTargets; ++k) {
        set_step(*model, weights, k);
        model->save(checkpoint_path(dir.path(), k));
    }
    CHECK(dir.temp_names().empty());
    CHECK(dir.names() == std::vector<std::string>{"ckpt-0.kx", "ckpt-1.kx", "ckpt-2.kx"});
}

TEST_CASE("a save that exceeds the file size limit throws naming the path and keeps the previous checkpoint", "[io4][crash]") {
    TempDir dir;
    const auto path = dir.file("ckpt.kx");
    const auto model = make_model();
    auto weights = model->get_weights();
    set_step(*model, weights, 1);
    model->save(path);
    const Bytes before = read_bytes(path);

    int message[2];
    REQUIRE(pipe(message) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // EFBIG instead of SIGXFSZ once a write crosses 64 KiB: a disk that fills up mid-save.
        close(message[0]);
        const rlimit limit{64 * 1024, 64 * 1024};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(5);
        try {
            set_step(*model, weights, 2);
            model->save(path);
        } catch (const kx::Error& e) {
            const std::string text = e.what();
            _exit(write(message[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : 4);
        } catch (...) {
            _exit(3);
        }
        _exit(2);   // no error at all
    }
    close(message[1]);
    std::string text;
    char buffer[512];
    for (ssize_t got; (got = read(message[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(got));
    close(message[0]);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK_THAT(text, Catch::Contains(path + ": cannot save: File too large while writing the temporary file"));
    CHECK(read_bytes(path) == before);
    CHECK(dir.names() == std::vector<std::string>{"ckpt.kx"});
}
