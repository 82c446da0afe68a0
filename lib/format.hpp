// Internal: numbers in error messages, printed as Python prints them (3 -> "3", 2.5 -> "2.5"), so
// messages read like Keras' ("Received: rate=1.5").
#pragma once

#include <sstream>
#include <string>

namespace kx::detail {

inline std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

}  // namespace kx::detail
