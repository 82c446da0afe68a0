// Internal: where a running fit() is, shared with the callbacks that checkpoint and resume
// training exactly (BackupAndRestore).
#pragma once

#include <cstddef>
#include <vector>

namespace kx::detail {

struct FitState {
    int epoch = 0;                       // the epoch running
    int steps_done = 0;                  // its batches finished so far
    int steps = 0;                       // batches per epoch
    std::vector<std::size_t> order;      // this epoch's sample order (each epoch reshuffles the last)
    // Set by a callback's on_train_begin to continue an interrupted run: fit goes on after batch
    // `steps_done` of `epoch` with `order` (the callback restores the weights and random state).
    bool resume = false;
};

}  // namespace kx::detail
