#include <kerasxx/error.hpp>
#include <kerasxx/plot_model.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

extern char** environ;

namespace kx::utils {

namespace {
// Record labels treat these characters as structure; shapes and names may contain some.
std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (std::string_view("{}|<>\"\\").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

std::string shapes_of(const Shapes& shapes) {
    std::string out;
    for (const Shape& s : shapes) out += (out.empty() ? "" : ", ") + to_string(s);
    return shapes.size() == 1 ? out : "[" + out + "]";
}

std::string label_of(Layer& layer, const PlotModelOptions& options) {
    std::string title = options.show_layer_names ? layer.name() + " (" + layer.class_name() + ")" : layer.class_name();
    if (options.show_trainable) title += layer.trainable() ? " Trainable" : " Frozen";
    if (!options.show_shapes || !layer.built()) return escape(title);
    const Shapes& in = layer.input_shapes();
    return escape(title) + "|{input:|output:}|{{" + escape(shapes_of(in)) + "}|{" +
           escape(shapes_of(layer.compute_output_shapes(in))) + "}}";
}

// Runs `dot -T<format> -o <out> <in>` without a shell, so no file name is ever interpreted.
int run_dot(const std::string& format, const std::string& in, const std::string& out) {
    std::vector<std::string> args{"dot", "-T" + format, "-o", out, in};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ) != 0) return -1;
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

std::string model_to_dot(const Model& model, const PlotModelOptions& options) {
    if (options.rankdir != "TB" && options.rankdir != "LR" && options.rankdir != "BT" && options.rankdir != "RL")
        throw Error("plot_model: expected rankdir TB, LR, BT or RL, got '" + options.rankdir + "'");
    const auto layers = model.layers();
    std::map<const Layer*, std::size_t> id;
    for (const auto& layer : layers) id.emplace(layer.get(), id.size());

    std::ostringstream dot;
    dot << "digraph G {\n  rankdir=" << options.rankdir << ";\n  concentrate=true;\n  dpi=" << options.dpi
        << ";\n  node [shape=record];\n";
    for (const auto& layer : layers) dot << "  layer_" << id.at(layer.get()) << " [label=\"" << label_of(*layer, options) << "\"];\n";
    // Edges: every call of a model layer whose inputs come from layers of this model.
    std::set<std::pair<std::size_t, std::size_t>> edges;
    for (const auto& layer : layers)
        for (std::size_t call = 0; call < layer->inbound_node_count(); ++call)
            for (const SymbolicTensor& x : layer->input_at(call))
                if (const auto from = id.find(&x.layer()); from != id.end())
                    edges.emplace(from->second, id.at(layer.get()));
    for (const auto& [from, to] : edges) dot << "  layer_" << from << " -> layer_" << to << ";\n";
    dot << "}\n";
    return dot.str();
}

void plot_model(const Model& model, const std::string& to_file, const PlotModelOptions& options) {
    const std::filesystem::path path(to_file);
    const std::string extension = path.extension().string();
    const std::string dot = model_to_dot(model, options);
    auto write = [&](const std::filesystem::path& target) {
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out << dot;
        out.close();
        if (!out) throw Error("plot_model: could not write '" + target.string() + "'");
    };
    if (extension == ".dot" || extension == ".gv") return write(path);
    if (extension != ".png" && extension != ".svg" && extension != ".pdf")
        throw Error("plot_model: expected a file ending in .dot, .gv, .png, .svg or .pdf, got '" + to_file + "'");
    const std::filesystem::path source = path.string() + ".tmp.dot";
    write(source);
    const int status = run_dot(extension.substr(1), source.string(), path.string());
    std::filesystem::remove(source);
    if (status != 0)
        throw Error("plot_model: rendering '" + to_file + "' needs Graphviz's `dot` program" +
                    (status < 0 ? std::string(", which was not found (apt-get install graphviz)") : ", which failed (exit status " + std::to_string(status) + ")") +
                    "; a .dot file needs nothing");
}

}  // namespace kx::utils
