#include "graph.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/core.hpp>

#include <functional>
#include <map>
#include <set>

namespace kx {

namespace {
using Key = std::pair<const detail::GraphNode*, std::size_t>;
Key key_of(const SymbolicTensor& x) { return {x.node().get(), x.index()}; }

std::string names_of(const SymbolicTensors& xs) {
    std::string out;
    for (const SymbolicTensor& x : xs) out += (out.empty() ? "'" : ", '") + x.name() + "'";
    return "[" + out + "]";
}
}  // namespace

std::shared_ptr<const Model::Graph> Model::Graph::build(const SymbolicTensors& inputs, const SymbolicTensors& outputs,
                                                        const std::string& where) {
    if (inputs.empty()) throw Error(where + ": expected at least one input tensor (from kx::Input), got none");
    if (outputs.empty()) throw Error(where + ": expected at least one output tensor, got none");
    auto graph = std::make_shared<Graph>();
    graph->inputs = inputs;
    graph->outputs = outputs;

    std::map<Key, std::size_t> slot;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const SymbolicTensor& x = inputs[i];
        if (!x.node()->inputs.empty() || dynamic_cast<const layers::Input*>(&x.layer()) == nullptr)
            throw Error(where + ": model inputs must come from kx::Input, but input " + std::to_string(i) + " ('" +
                        x.name() + "') is the output of " + x.layer().class_name() + " '" + x.layer().name() + "'");
        if (!slot.emplace(key_of(x), i).second)
            throw Error(where + ": input " + std::to_string(i) + " ('" + x.name() + "') is given twice");
    }

    // Post-order depth-first walk from the outputs: every node comes after the nodes it reads.
    // Symbolic tensors are immutable, so a graph cannot contain a cycle; the check guards the invariant.
    enum class Mark { visiting, done };
    std::map<const detail::GraphNode*, Mark> marks;
    std::set<const detail::GraphNode*> reached_inputs;
    std::vector<std::shared_ptr<detail::GraphNode>> order;
    std::function<void(const std::shared_ptr<detail::GraphNode>&, std::size_t)> visit =
        [&](const std::shared_ptr<detail::GraphNode>& node, std::size_t output) {
            const auto mark = marks.find(node.get());
            if (mark != marks.end()) {
                if (mark->second == Mark::visiting)
                    throw Error(where + ": the graph has a cycle through " + node->layer->class_name() + " '" +
                                node->layer->name() + "'");
                return;
            }
            if (node->inputs.empty()) {   // an Input
                if (!slot.contains({node.get(), 0}))
                    throw Error(where + ": output " + std::to_string(output) + " ('" + outputs[output].name() +
                                "') depends on input '" + node->layer->name() +
                                "', which is not one of the model's inputs " + names_of(inputs) +
                                "; the graph is disconnected");
                reached_inputs.insert(node.get());
                marks[node.get()] = Mark::done;
                return;
            }
            marks[node.get()] = Mark::visiting;
            for (const SymbolicTensor& x : node->inputs) visit(x.node(), output);
            marks[node.get()] = Mark::done;
            order.push_back(node);
        };
    for (std::size_t k = 0; k < outputs.size(); ++k) visit(outputs[k].node(), k);
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (!reached_inputs.contains(inputs[i].node().get()))
            throw Error(where + ": input " + std::to_string(i) + " ('" + inputs[i].name() +
                        "') is not connected to any output " + names_of(outputs));

    // Slots for every tensor, and the step after which each is no longer needed.
    graph->slot_count = inputs.size();
    std::map<std::size_t, std::size_t> last_reader;
    for (const auto& node : order) {
        Step step{node, {}, graph->slot_count, {}};
        for (const SymbolicTensor& x : node->inputs) {
            const std::size_t s = slot.at(key_of(x));
            step.input_slots.push_back(s);
            last_reader[s] = graph->steps.size();
        }
        for (std::size_t i = 0; i < node->output_shapes.size(); ++i) slot[{node.get(), i}] = graph->slot_count++;
        graph->steps.push_back(std::move(step));
    }
    std::set<std::size_t> kept;
    for (const SymbolicTensor& y : outputs) {
        graph->output_slots.push_back(slot.at(key_of(y)));
        kept.insert(graph->output_slots.back());
    }
    for (const auto& [s, step] : last_reader)
        if (!kept.contains(s)) graph->steps[step].last_uses.push_back(s);

    // Layers: the inputs', then each called layer once; names must be unique, as Keras requires.
    std::map<std::string, const Layer*> by_name;
    auto add_layer = [&](const std::shared_ptr<Layer>& layer) {
        const auto [it, added] = by_name.emplace(layer->name(), layer.get());
        if (added) {
            graph->layers.push_back(layer);
        } else if (it->second != layer.get()) {
            throw Error(where + ": the name '" + layer->name() + "' is used by two layers (" + it->second->class_name() +
                        " and " + layer->class_name() + "); layer names in a model must be unique");
        }
    };
    for (const SymbolicTensor& x : inputs) add_layer(x.node()->layer);
    for (const auto& node : order) add_layer(node->layer);
    return graph;
}

std::size_t call_index_of(const SymbolicTensor& x) {
    const Layer& layer = x.layer();
    for (std::size_t i = 0; i < layer.inbound_node_count(); ++i)
        if (layer.output_at(i).at(0).node() == x.node()) return i;
    throw Error(layer.class_name() + " '" + layer.name() + "'" + ": the tensor '" + x.name() + "' is not among the layer's calls");
}

Tensors Model::Graph::run(const Tensors& input_values, bool training) const {
    Tensors values(slot_count);
    std::copy(input_values.begin(), input_values.end(), values.begin());
    Tensors step_inputs;
    for (const Step& step : steps) {
        step_inputs.clear();
        for (std::size_t s : step.input_slots) step_inputs.push_back(values[s]);
        Tensors out = step.node->layer->apply(step_inputs, training);
        if (out.size() != step.node->output_shapes.size())
            throw Error(step.node->layer->class_name() + " '" + step.node->layer->name() + "': returned " + std::to_string(out.size()) +
                        " outputs where its graph node expects " + std::to_string(step.node->output_shapes.size()));
        for (std::size_t i = 0; i < out.size(); ++i) values[step.first_output_slot + i] = std::move(out[i]);
        for (std::size_t s : step.last_uses) values[s] = Tensor();   // frees activations as early as possible
    }
    Tensors outputs;
    for (std::size_t s : output_slots) outputs.push_back(values[s]);
    return outputs;
}

}  // namespace kx
