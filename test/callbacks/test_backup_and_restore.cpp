// BackupAndRestore: a fit killed with SIGKILL mid-epoch and restarted ends with the weights of an
// uninterrupted run, bit for bit; a callback that throws aborts fit and leaves the backup usable.
#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include "lib/io/io_test_files.hpp"
#include "support/blobs.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using Catch::Matchers::Contains;
using kx::io_test::TempDir;

namespace {

constexpr int epochs = 4;
constexpr int save_every = 3;   // batches; 5 batches per epoch, so backups land mid-epoch

// The same model, data and seed in every process; Dropout and shuffling draw from the global
// generator and the seeded GaussianNoise from its own sequence: resuming must restore both.
struct Run {
    kx::Sequential model;
    Blobs data;
};

Run make_run() {
    kx::utils::set_random_seed(17);
    Run run{kx::Sequential({kx::layers::Input({2}), kx::layers::GaussianNoise(0.1f, {.seed = 4}), kx::layers::Dense(16, "relu"),
                            kx::layers::Dropout(0.25f), kx::layers::Dense(3, "softmax")}),
            make_blobs(80)};
    run.model.compile({.optimizer = kx::optimizers::Adam(0.01), .loss = "sparse_categorical_crossentropy"});
    return run;
}

kx::FitOptions fit_options(std::vector<kx::CallbackHandle> callbacks) {
    return {.epochs = epochs, .batch_size = 16, .verbose = 0, .callbacks = std::move(callbacks)};
}

bool same_weights(const kx::Model& a, const kx::Model& b) {
    const auto wa = a.get_weights(), wb = b.get_weights();
    if (wa.size() != wb.size()) return false;
    for (std::size_t i = 0; i < wa.size(); ++i)
        if (wa[i].shape() != wb[i].shape() || std::memcmp(wa[i].data(), wb[i].data(), wa[i].size() * sizeof(float)) != 0)
            return false;
    return true;
}

// A child process running the child test case below: it reports each finished batch as
// "<epoch> <batch>" on its stdout and waits for a byte on its stdin before going on.
class Child {
public:
    explicit Child(const std::string& backup_dir) {
        int to_child[2], from_child[2];
        REQUIRE(pipe(to_child) == 0);
        REQUIRE(pipe(from_child) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
        posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
        posix_spawn_file_actions_addclose(&actions, to_child[1]);
        posix_spawn_file_actions_addclose(&actions, from_child[0]);
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
        env_strings.push_back("KX_BACKUP_DIR=" + backup_dir);
        std::vector<char*> env;
        for (std::string& s : env_strings) env.push_back(s.data());
        env.push_back(nullptr);
        std::string exe = std::filesystem::read_symlink("/proc/self/exe").string(), test = "[.backup-child]";
        char* argv[] = {exe.data(), test.data(), nullptr};
        REQUIRE(posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, env.data()) == 0);
        posix_spawn_file_actions_destroy(&actions);
        close(to_child[0]);
        close(from_child[1]);
        to_child_ = to_child[1];
        from_child_ = fdopen(from_child[0], "r");
    }
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(to_child_);
        std::fclose(from_child_);
    }

    // Lets the child train until it reports (epoch, batch), then kills it there with SIGKILL.
    void kill_after(int epoch, int batch) {
        char line[256];
        while (std::fgets(line, sizeof line, from_child_)) {
            int e = -1, b = -1;
            if (std::sscanf(line, "batch %d %d", &e, &b) != 2) continue;   // Catch's own output
            if (e == epoch && b == batch) {
                REQUIRE(kill(pid_, SIGKILL) == 0);
                int status = 0;
                REQUIRE(waitpid(pid_, &status, 0) == pid_);
                CHECK(WIFSIGNALED(status));
                CHECK(WTERMSIG(status) == SIGKILL);
                pid_ = -1;
                return;
            }
            REQUIRE(write(to_child_, "g", 1) == 1);
        }
        FAIL("the child ended before epoch " << epoch << " batch " << batch);
    }

private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    FILE* from_child_ = nullptr;
};

}  // namespace

TEST_CASE("BackupAndRestore child: trains, reporting each batch and waiting for the parent", "[.backup-child]") {
    const char* dir = std::getenv("KX_BACKUP_DIR");
    REQUIRE(dir);
    Run run = make_run();
    int epoch_now = 0;
    kx::callbacks::LambdaCallback handshake({
        .on_epoch_begin = [&](int epoch, kx::Logs&) { epoch_now = epoch; },
        .on_train_batch_end = [&](int batch, kx::Logs&) {
            std::printf("batch %d %d\n", epoch_now, batch);
            std::fflush(stdout);
            char go = 0;
            if (read(0, &go, 1) != 1) std::_Exit(3);
        },
    });
    run.model.fit(run.data.x, run.data.y,
                  fit_options({kx::callbacks::BackupAndRestore(dir, {.save_freq = save_every}), handshake}));
}

TEST_CASE("A fit killed with SIGKILL mid-epoch, twice, resumes to weights bit-identical to an uninterrupted run",
          "[backup-and-restore]") {
    Run reference = make_run();
    reference.model.fit(reference.data.x, reference.data.y, fit_options({}));

    TempDir dir;
    const std::string backup = dir.file("backup.kx");
    {
        Child first(dir.path());
        first.kill_after(1, 3);   // global batch 9: the backup after batch 9 was written
    }
    CHECK(std::filesystem::exists(backup));
    {
        Child second(dir.path());   // resumes after batch 9, dies inside epoch 2
        second.kill_after(2, 2);
    }
    CHECK(std::filesystem::exists(backup));
    CHECK(dir.temp_names().empty());

    Run resumed = make_run();
    auto restore = std::make_shared<kx::callbacks::BackupAndRestore>(dir.path(), kx::callbacks::BackupAndRestore::Options{.save_freq = save_every});
    int batches_run = 0;
    kx::callbacks::LambdaCallback count({.on_train_batch_end = [&](int, kx::Logs&) { ++batches_run; }});
    resumed.model.fit(resumed.data.x, resumed.data.y, fit_options({restore, count}));
    // The second child's last backup was after global batch 12 (epoch 2, batch 1): 8 batches were left.
    CHECK(batches_run == 8);
    CHECK(same_weights(resumed.model, reference.model));
    CHECK(resumed.model.optimizer().iterations() == reference.model.optimizer().iterations());
    CHECK_FALSE(std::filesystem::exists(backup));   // delete_checkpoint after a completed fit
}

TEST_CASE("A callback that throws aborts fit with its message; the backup survives and resumes exactly",
          "[backup-and-restore]") {
    Run reference = make_run();
    reference.model.fit(reference.data.x, reference.data.y, fit_options({}));

    TempDir dir;
    Run broken = make_run();
    int seen = 0;
    kx::callbacks::LambdaCallback fail_at_11({.on_train_batch_end = [&](int, kx::Logs&) {
        if (++seen == 11) throw kx::Error("disk quota watcher: stop");
    }});
    CHECK_THROWS_WITH(broken.model.fit(broken.data.x, broken.data.y,
                                       fit_options({kx::callbacks::BackupAndRestore(dir.path(), {.save_freq = 5}), fail_at_11})),
                      Contains("disk quota watcher: stop"));
    REQUIRE(std::filesystem::exists(dir.file("backup.kx")));

    Run resumed = make_run();
    resumed.model.fit(resumed.data.x, resumed.data.y, fit_options({kx::callbacks::BackupAndRestore(dir.path(), {.save_freq = 5})}));
    CHECK(same_weights(resumed.model, reference.model));
}

TEST_CASE("BackupAndRestore at epoch ends resumes at the next epoch; delete_checkpoint = false keeps the file",
          "[backup-and-restore]") {
    Run reference = make_run();
    reference.model.fit(reference.data.x, reference.data.y, fit_options({}));

    TempDir dir;
    Run first = make_run();
    kx::callbacks::LambdaCallback stop_after_2({.on_epoch_end = [&](int epoch, kx::Logs&) {
        if (epoch == 1) throw kx::Error("preempted");
    }});
    const kx::callbacks::BackupAndRestore::Options keep{.save_freq = "epoch", .delete_checkpoint = false};
    // The backup callback runs first, so epoch 1's backup exists when the next callback throws.
    CHECK_THROWS_WITH(first.model.fit(first.data.x, first.data.y,
                                      fit_options({kx::callbacks::BackupAndRestore(dir.path(), keep), stop_after_2})),
                      Contains("preempted"));
    Run resumed = make_run();
    std::vector<int> epochs_run;
    kx::callbacks::LambdaCallback record({.on_epoch_begin = [&](int epoch, kx::Logs&) { epochs_run.push_back(epoch); }});
    resumed.model.fit(resumed.data.x, resumed.data.y, fit_options({kx::callbacks::BackupAndRestore(dir.path(), keep), record}));
    CHECK(epochs_run == std::vector<int>{2, 3});
    CHECK(same_weights(resumed.model, reference.model));
    CHECK(std::filesystem::exists(dir.file("backup.kx")));
}

TEST_CASE("BackupAndRestore rejects a bad save_freq and a backup from a different fit", "[backup-and-restore]") {
    CHECK_THROWS_WITH(kx::callbacks::BackupAndRestore("d", {.save_freq = 0}), Contains("save_freq") && Contains("got 0"));
    CHECK_THROWS_WITH(kx::callbacks::BackupAndRestore("d", {.save_freq = "batch"}), Contains("\"batch\""));
    CHECK_THROWS_WITH(kx::callbacks::BackupAndRestore(""), Contains("backup_dir"));

    TempDir dir;
    Run run = make_run();
    const kx::callbacks::BackupAndRestore::Options keep{.save_freq = "epoch", .delete_checkpoint = false};
    run.model.fit(run.data.x, run.data.y, fit_options({kx::callbacks::BackupAndRestore(dir.path(), keep)}));
    Run other = make_run();
    CHECK_THROWS_WITH(other.model.fit(run.data.x, run.data.y,
                                      {.epochs = epochs, .batch_size = 16, .verbose = 0, .validation_split = 0.5f,
                                       .callbacks = {kx::callbacks::BackupAndRestore(dir.path(), keep)}}),
                      Contains("backup.kx") && Contains("80 training samples") && Contains("this fit has 40"));
}
