// Row slicing and stacking along axis 0: from_tensor_slices, batch and unbatch are built on these.
#include "node.hpp"

#include <kerasxx/error.hpp>

#include <algorithm>

namespace kx::data::detail {

namespace {

// A component's path for error messages: "the tensor", "[1]", "['x']", "[0]['y']".
std::string component_name(const std::string& path) { return path.empty() ? "the tensor" : path; }

void collect_leaves(const Element& element, const std::string& path,
                    std::vector<std::pair<std::string, const Tensor*>>& out) {
    if (element.is_tensor()) {
        out.emplace_back(path, &element.tensor());
        return;
    }
    for (std::size_t i = 0; i < element.items().size(); ++i) {
        // append() rather than operator+ chains: GCC 12 warns falsely (-Wrestrict) on the latter
        std::string child = path;
        if (element.is_tuple())
            child.append("[").append(std::to_string(i)).append("]");
        else
            child.append("['").append(element.keys()[i]).append("']");
        collect_leaves(element.items()[i], child, out);
    }
}

// Rebuilds `like`'s structure with the leaves made by `make_leaf` (in flatten() order).
template <class MakeLeaf>
Element rebuild(const Element& like, MakeLeaf& make_leaf) {
    if (like.is_tensor()) return make_leaf(like.tensor());
    std::vector<Element> items;
    items.reserve(like.items().size());
    for (const auto& item : like.items()) items.push_back(rebuild(item, make_leaf));
    if (like.is_tuple()) return Element::tuple(std::move(items));
    std::vector<std::pair<std::string, Element>> pairs;
    for (std::size_t i = 0; i < items.size(); ++i) pairs.emplace_back(like.keys()[i], std::move(items[i]));
    return Element::dict(std::move(pairs));
}

}  // namespace

std::size_t leading_dimension(const Element& element, const std::string& where) {
    std::vector<std::pair<std::string, const Tensor*>> leaves;
    collect_leaves(element, "", leaves);
    if (leaves.empty()) throw Error(where + ": expected at least one tensor, got the empty structure ()");
    for (const auto& [path, tensor] : leaves)
        if (tensor->rank() == 0)
            throw Error(where + ": expected tensors of rank >= 1 to slice along axis 0, got " +
                        component_name(path) + " with shape ()");
    const auto& [first_path, first] = leaves.front();
    for (const auto& [path, tensor] : leaves)
        if (tensor->dim(0) != first->dim(0))
            throw Error(where + ": expected every tensor to have the same first dimension, got " +
                        std::to_string(first->dim(0)) + " for " + component_name(first_path) + " with shape " +
                        to_string(first->shape()) + " and " + std::to_string(tensor->dim(0)) + " for " +
                        component_name(path) + " with shape " + to_string(tensor->shape()));
    return first->dim(0);
}

Element slice_element(const Element& element, std::size_t index) {
    // row [index] of x: shape x.shape[1:], a contiguous block of row_size floats
    auto make_leaf = [index](const Tensor& x) {
        const Shape row_shape(x.shape().begin() + 1, x.shape().end());
        Tensor row = Tensor::empty(row_shape);
        const std::size_t row_size = row.size();
        std::copy_n(x.data() + index * row_size, row_size, row.data());
        return row;
    };
    return rebuild(element, make_leaf);
}

Element gather_rows(const Element& tensors, const std::vector<std::size_t>& rows) {
    // [rows.size(), *x.shape[1:]], row i a copy of x[rows[i]]
    auto make_leaf = [&rows](const Tensor& x) {
        Shape shape = x.shape();
        const std::size_t row_size = x.size() / shape[0];
        shape[0] = rows.size();
        Tensor out = Tensor::empty(shape);
        for (std::size_t i = 0; i < rows.size(); ++i)
            std::copy_n(x.data() + rows[i] * row_size, row_size, out.data() + i * row_size);
        return out;
    };
    return rebuild(tensors, make_leaf);
}

Element stack_elements(const std::vector<Element>& elements, const std::string& where) {
    const Element& first = elements.front();
    for (std::size_t i = 1; i < elements.size(); ++i)
        if (!elements[i].same_structure(first))
            throw Error(where + ": expected elements with the same structure to stack, got " + first.structure() +
                        " and " + elements[i].structure());
    std::vector<std::vector<Tensor>> leaves;   // [element][leaf]
    leaves.reserve(elements.size());
    for (const auto& e : elements) leaves.push_back(e.flatten());
    std::size_t leaf = 0;
    // stacked [n, *shape] from n tensors of shape `shape`
    auto make_leaf = [&](const Tensor& x) {
        Shape shape{elements.size()};
        shape.insert(shape.end(), x.shape().begin(), x.shape().end());
        Tensor out = Tensor::empty(shape);
        const std::size_t row_size = x.size();
        for (std::size_t i = 0; i < elements.size(); ++i) {
            const Tensor& row = leaves[i][leaf];
            if (row.shape() != x.shape())
                throw Error(where + ": cannot stack tensors of different shapes " + to_string(x.shape()) + " and " +
                            to_string(row.shape()) + " (elements 0 and " + std::to_string(i) + ")");
            std::copy_n(row.data(), row_size, out.data() + i * row_size);
        }
        ++leaf;
        return out;
    };
    return rebuild(first, make_leaf);
}

}  // namespace kx::data::detail
