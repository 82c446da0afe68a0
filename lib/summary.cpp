// Model::summary(): Keras 2's table for sequential-like models (tf.keras print_summary).
#include <kerasxx/error.hpp>
#include <kerasxx/model.hpp>

#include <ostream>

namespace kx {

namespace {
constexpr std::size_t line_length = 65;
constexpr std::size_t positions[] = {29, 55, 65};   // where each column ends: .45, .85 and 1.0 of the line

// Each field starts where the previous column ends (one space kept) and is cut at its own end.
std::string row(const std::string (&fields)[3]) {
    std::string line;
    for (std::size_t i = 0; i < 3; ++i) {
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
}  // namespace

void Model::summary(std::ostream& out) const {
    if (!built())
        throw Error(describe() + ": this model has not yet been built. Build the model first by calling it on data, "
                                 "or start it with an Input layer");
    out << "Model: \"" << name() << "\"\n" << std::string(line_length, '_') << '\n';
    out << row({"Layer (type)", "Output Shape", "Param #"}) << '\n' << std::string(line_length, '=') << '\n';
    const auto all = layers();
    for (std::size_t i = 0; i < all.size(); ++i) {
        const Layer& layer = *all[i];
        const std::string shape = layer.built() ? to_string(layer.output_shape()) : "?";
        out << row({layer.name() + " (" + layer.class_name() + ")", shape, std::to_string(layer.count_params())}) << '\n';
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
