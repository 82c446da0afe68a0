// Internal: where a running fit() is, shared with the callbacks that checkpoint and resume
// training exactly (BackupAndRestore).
#pragma once

#include <cstddef>
#include <vector>

namespace kx::detail {

struct FitState {
    int epoch = 0;                       // the epoch running
    int steps_done = 0;                  // its batches finished so far
    int steps = 0;                       // batches per epoch; INT_MAX for a Dataset of unknown size
    // this epoch's sample order (each epoch reshuffles the last); empty for a Dataset, which resumes
    // by replaying its iterations and skipping the batches done
    std::vector<std::size_t> order;
    // Set by a callback's on_train_begin to continue an interrupted run: fit goes on after batch
    // `steps_done` of `epoch` with `order` (the callback restores the weights and random state);
    // steps_done == steps means the epoch finished.
    bool resume = false;
};

}  // namespace kx::detail
