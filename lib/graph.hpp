// Internal: a functional model's graph, topologically ordered once, and its execution.
#pragma once

#include <kerasxx/model.hpp>

namespace kx {

struct Model::Graph {
    // One layer call, with where its inputs are read from and its outputs written to.
    struct Step {
        std::shared_ptr<detail::GraphNode> node;
        std::vector<std::size_t> input_slots;
        std::size_t first_output_slot;
        std::vector<std::size_t> last_uses;   // slots no later step reads: freed after this one
    };

    SymbolicTensors inputs, outputs;
    std::vector<Step> steps;                        // topological order; Input nodes have none
    std::vector<std::size_t> output_slots;          // inputs take slots 0..inputs.size()-1
    std::size_t slot_count = 0;
    std::vector<std::shared_ptr<Layer>> layers;     // each once, in the order of the graph

    // Validates and orders the graph; `where` names the model in errors.
    static std::shared_ptr<const Graph> build(const SymbolicTensors& inputs, const SymbolicTensors& outputs,
                                              const std::string& where);
    Tensors run(const Tensors& inputs, bool training) const;
};

// Which call of its layer produced `x` (Keras' node index), as configs and summaries name tensors:
// "dense[0][0]" is output 0 of dense's call 0.
std::size_t call_index_of(const SymbolicTensor& x);

}  // namespace kx
