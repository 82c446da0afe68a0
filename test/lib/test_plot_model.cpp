#include <catch2/catch.hpp>
#include <kerasxx/kerasxx.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using Catch::Matchers::Contains;

namespace {
kx::Model small_graph() {
    kx::backend::clear_session();
    const kx::SymbolicTensor in = kx::Input({4}, "pixels");
    const kx::SymbolicTensor a = kx::layers::Dense(3, "relu", "left")(in);
    const kx::SymbolicTensor b = kx::layers::Dense(3, "relu", "right")(in);
    const kx::SymbolicTensor joined = kx::layers::Lambda([](const kx::Tensors& xs) { return xs[0] + xs[1]; }, {.name = "join"})({a, b});
    return kx::Model(in, joined, "plotted");
}

bool dot_installed() {
    for (const char* dir : {"/usr/bin/dot", "/usr/local/bin/dot", "/bin/dot"})
        if (access(dir, X_OK) == 0) return true;
    return false;
}
}  // namespace

TEST_CASE("model_to_dot draws one node per layer and one edge per connection", "[plot_model]") {
    const kx::Model model = small_graph();
    const std::string dot = kx::utils::model_to_dot(model, {.show_shapes = true, .show_layer_names = true});
    CHECK(dot ==
          "digraph G {\n"
          "  rankdir=TB;\n"
          "  concentrate=true;\n"
          "  dpi=200;\n"
          "  node [shape=record];\n"
          "  layer_0 [label=\"pixels (InputLayer)|{input:|output:}|{{(None, 4)}|{(None, 4)}}\"];\n"
          "  layer_1 [label=\"left (Dense)|{input:|output:}|{{(None, 4)}|{(None, 3)}}\"];\n"
          "  layer_2 [label=\"right (Dense)|{input:|output:}|{{(None, 4)}|{(None, 3)}}\"];\n"
          "  layer_3 [label=\"join (Lambda)|{input:|output:}|{{[(None, 3), (None, 3)]}|{(None, 3)}}\"];\n"
          "  layer_0 -> layer_1;\n"
          "  layer_0 -> layer_2;\n"
          "  layer_1 -> layer_3;\n"
          "  layer_2 -> layer_3;\n"
          "}\n");
    // Keras' defaults: types only.
    CHECK_THAT(kx::utils::model_to_dot(model), Contains("layer_1 [label=\"Dense\"];"));
    REQUIRE_THROWS_WITH(kx::utils::model_to_dot(model, {.rankdir = "UP"}), Contains("expected rankdir TB, LR, BT or RL, got 'UP'"));
}

TEST_CASE("plot_model writes DOT, and PNG through Graphviz where it is installed", "[plot_model]") {
    const kx::Model model = small_graph();
    const auto dir = std::filesystem::temp_directory_path() / ("kx_plot_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    kx::utils::plot_model(model, (dir / "model.dot").string(), {.show_shapes = true});
    std::ifstream in(dir / "model.dot");
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == kx::utils::model_to_dot(model, {.show_shapes = true}));

    const std::string png = (dir / "model.png").string();
    if (dot_installed()) {
        kx::utils::plot_model(model, png);
        std::ifstream image(png, std::ios::binary);
        char magic[4] = {};
        image.read(magic, 4);
        CHECK(std::string(magic + 1, 3) == "PNG");
    } else {
        REQUIRE_THROWS_WITH(kx::utils::plot_model(model, png), Contains("needs Graphviz's `dot` program") && Contains("apt-get install graphviz"));
    }
    CHECK_FALSE(std::filesystem::exists(png + ".tmp.dot"));
    REQUIRE_THROWS_WITH(kx::utils::plot_model(model, (dir / "model.jpg").string()), Contains("expected a file ending in .dot"));
    std::filesystem::remove_all(dir);
}
