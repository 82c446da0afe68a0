// Internal: axis arguments of ops, checked once, with one error message for all of them.
#pragma once

#include <kerasxx/ops.hpp>

#include <string>

namespace kx::detail {

// `axis` in [-rank, rank) as an index into `shape`, or a kx::Error naming `op` and the shape.
std::size_t normalize_axis(const char* op, int axis, const Shape& shape);

// "(0, -1)", "(2,)": axes as Python prints a tuple.
std::string axes_string(const ops::Axes& axes);

// The multi-index of flat position `flat` in `shape`, for error messages: "(1, 2)".
std::string position(std::size_t flat, const Shape& shape);

}  // namespace kx::detail
