// A callback that records the wall time of every epoch, for the benchmarks.
#pragma once

#include <kerasxx/kerasxx.hpp>

#include <chrono>
#include <vector>

class EpochTimer : public kx::Callback {
public:
    void on_epoch_begin(int, kx::Logs&) override { start_ = std::chrono::steady_clock::now(); }
    void on_epoch_end(int, kx::Logs&) override {
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    std::vector<double> seconds;

private:
    std::chrono::steady_clock::time_point start_;
};
