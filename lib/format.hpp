// Internal: numbers in error messages, printed as Python prints them (3 -> "3", 2.5 -> "2.5"), so
// messages read like Keras' ("Received: rate=1.5").
#pragma once

#include <fmt/format.h>

#include <sstream>
#include <string>

namespace kx::detail {

inline std::string format_number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

// A float as Python's repr/str prints it: the shortest exact form, "1.0" for a whole number,
// "1e-05", "nan", "inf" (what Keras' messages and its CSV files show).
inline std::string python_float(double value) {
    std::string s = fmt::format("{}", value);
    if (s.find_first_not_of("-0123456789") == std::string::npos) s += ".0";
    return s;
}

}  // namespace kx::detail
