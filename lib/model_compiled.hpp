// Internal: what compile() sets up, shared by lib/model.cpp and the loops in lib/trainer.cpp.
#pragma once

#include <kerasxx/model.hpp>

namespace kx {

struct Model::Compiled {
    std::shared_ptr<Optimizer> optimizer;
    std::shared_ptr<Loss> loss;
    std::vector<MetricSpec> metric_specs;
    std::vector<std::shared_ptr<Metric>> metrics;   // resolved from metric_specs on the first batch
    double loss_sum = 0, loss_count = 0;            // the running mean of the loss, weighted by batch size
};

}  // namespace kx
