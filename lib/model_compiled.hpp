// Internal: what compile() sets up, shared by lib/model.cpp and the loops in lib/trainer.cpp.
#pragma once

#include <kerasxx/model.hpp>

namespace kx {

struct Model::Compiled {
    std::shared_ptr<Optimizer> optimizer;
    CompileOptions options;             // as given; resolved per output once their number is known

    // Per output, resolved: the log prefix ("" for a one-output model, else "class_"), the loss
    // (null: the output is not trained), its weight, and its metrics (resolved on the first batch,
    // when shapes are known, as Keras does for "accuracy").
    struct Output {
        std::string prefix;
        std::shared_ptr<Loss> loss;
        double loss_weight = 1.0;
        std::vector<MetricSpec> metric_specs;
        std::vector<std::shared_ptr<Metric>> metrics;
        double loss_sum = 0;            // the running mean of this output's loss, weighted by batch size
        double last_loss = 0;           // this output's loss on the last batch compiled_loss() saw
    };
    std::vector<Output> outputs;        // empty until resolved
    double loss_sum = 0, loss_count = 0;   // the running mean of the total loss
};

}  // namespace kx
