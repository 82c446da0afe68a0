#include "axes.hpp"

#include <kerasxx/error.hpp>

namespace kx::detail {

std::size_t normalize_axis(const char* op, int axis, const Shape& shape) {
    const int rank = static_cast<int>(shape.size());
    const int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank)
        throw Error(std::string(op) + ": axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                    std::to_string(rank) + " (shape " + to_string(shape) + "); expected an axis in [" +
                    std::to_string(-rank) + ", " + std::to_string(rank) + ")");
    return static_cast<std::size_t>(a);
}

std::string axes_string(const ops::Axes& axes) {
    std::string s = "(";
    for (std::size_t i = 0; i < axes.size(); ++i) s += (i ? ", " : "") + std::to_string(axes[i]);
    return s + (axes.size() == 1 ? ",)" : ")");
}

std::string position(std::size_t flat, const Shape& shape) {
    Shape index(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) {
        index[d] = flat % shape[d];
        flat /= shape[d];
    }
    return to_string(index);
}

}  // namespace kx::detail
