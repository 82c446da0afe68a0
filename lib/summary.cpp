// Model::summary(): Keras 2's table (tf.keras print_summary): a sequential stack prints layer,
// output shape and parameter count; a functional graph adds the "Connected to" column.
#include "graph.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/layers/core.hpp>
#include <kerasxx/model.hpp>
#include <kerasxx/sequential.hpp>

#include <ostream>

namespace kx {

namespace {
// Each field starts where the previous column ends (one space kept) and is cut at its own end.
std::string row(const std::vector<std::string>& fields, const std::vector<std::size_t>& positions) {
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) line.back() = ' ';
        line += fields[i];
        line.resize(positions[i], ' ');
    }
    return line;
}

// 203530 -> "203,530", as Keras prints counts.
std::string thousands(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::size_t count(const std::vector<Variable>& weights) {
    std::size_t n = 0;
    for (const Variable& w : weights) n += w.size();
    return n;
}

// GCC 12 warns falsely (-Wrestrict) on "[" + text + "]".
std::string bracketed(const std::string& text) { return std::string(1, '[').append(text).append(1, ']'); }

// Keras 2 prints a one-output layer's shape as a tuple, an InputLayer's and a multi-output
// layer's as a list of tuples.
std::string output_shape_of(const Layer& layer) {
    if (!layer.built()) return "?";
    if (dynamic_cast<const layers::Input*>(&layer) != nullptr) return bracketed(to_string(layer.input_shape()));
    const Shapes shapes = const_cast<Layer&>(layer).compute_output_shapes(layer.input_shapes());
    if (shapes.size() == 1) return to_string(shapes[0]);
    std::string out;
    for (const Shape& s : shapes) out += (out.empty() ? "" : ", ") + to_string(s);
    return bracketed(out);
}
}  // namespace

void Model::summary(std::ostream& out) const {
    if (!built())
        throw Error(describe() + ": this model has not yet been built. Build the model first by calling it on data, "
                                 "or start it with an Input layer");
    const bool graph = graph_ && dynamic_cast<const Sequential*>(this) == nullptr;
    const std::size_t line_length = graph ? 98 : 65;
    // Where each column ends: Keras' fractions (.33, .55, .67, 1) or (.45, .85, 1) of the line.
    const std::vector<std::size_t> positions = graph ? std::vector<std::size_t>{32, 53, 65, 98} : std::vector<std::size_t>{29, 55, 65};
    std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
    if (graph) header.push_back("Connected to");

    out << "Model: \"" << name() << "\"\n" << std::string(line_length, '_') << '\n';
    out << row(header, positions) << '\n' << std::string(line_length, '=') << '\n';
    const auto all = layers();
    for (std::size_t i = 0; i < all.size(); ++i) {
        const Layer& layer = *all[i];
        std::vector<std::string> fields{layer.name() + " (" + layer.class_name() + ")", output_shape_of(layer),
                                        std::to_string(layer.count_params())};
        if (graph) {
            // Every input of every call of this layer within this model, "layer[call][output]".
            std::vector<std::string> connections;
            for (const Graph::Step& step : graph_->steps) {
                if (step.node->layer.get() != &layer) continue;
                for (const SymbolicTensor& x : step.node->inputs)
                    connections.push_back(std::string(x.layer().name()).append(1, '[').append(std::to_string(call_index_of(x)))
                                              .append("][").append(std::to_string(x.index())).append(1, ']'));
            }
            fields.push_back(connections.empty() ? "" : connections[0]);
            out << row(fields, positions) << '\n';
            for (std::size_t c = 1; c < connections.size(); ++c) out << row({"", "", "", connections[c]}, positions) << '\n';
        } else {
            out << row(fields, positions) << '\n';
        }
        out << std::string(line_length, i + 1 == all.size() ? '=' : '_') << '\n';
    }
    if (all.empty()) out << std::string(line_length, '=') << '\n';
    const std::size_t trainable = count(trainable_weights()), frozen = count(non_trainable_weights());
    out << "Total params: " << thousands(trainable + frozen) << '\n'
        << "Trainable params: " << thousands(trainable) << '\n'
        << "Non-trainable params: " << thousands(frozen) << '\n'
        << std::string(line_length, '_') << '\n';
}

}  // namespace kx
