// kx::Error: the one exception type kerasxx throws for bad input.
//
//   try { model.fit(x, y); }
//   catch (const kx::Error& e) { std::cerr << e.what() << '\n'; }
//
// Messages say what was expected, what was received and where, e.g.
//   Dense 'dense_2': expected input with last dimension 128, got shape (32, 64)
#pragma once

#include <stdexcept>
#include <string>

namespace kx {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace kx
