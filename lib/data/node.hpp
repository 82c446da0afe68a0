// Internal: the pipeline graph behind kx::data::Dataset. A Node is an immutable description of one
// transformation (shared by every Dataset copy); make_iterator() starts one run of it, and the
// IteratorImpl holds that run's state (buffers, RNG, threads).
#pragma once

#include <kerasxx/data/dataset.hpp>
#include <kerasxx/data/element_spec.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kx::data::detail {

class IteratorImpl {
public:
    virtual ~IteratorImpl() = default;
    virtual std::optional<Element> next() = 0;    // nullopt at the end of the run
    // For iterators of a node whose row_source() is set: the next element's row number in those
    // tensors, instead of the element (nullopt at the end of the run).
    virtual std::optional<std::size_t> next_row() { return std::nullopt; }
};

// Always owned by a shared_ptr: iterators hold their node through self(), so an iterator stays valid
// after the Dataset it came from is gone.
class Node : public std::enable_shared_from_this<Node> {
public:
    virtual ~Node() = default;
    virtual std::unique_ptr<IteratorImpl> make_iterator() const = 0;
    virtual std::int64_t cardinality() const = 0;
    // What every element is known to look like without running the pipeline; nullopt when only
    // running it tells (after map, or a generator without a declared spec).
    virtual std::optional<ElementSpec> element_spec() const { return std::nullopt; }
    // Set when every element is a row of these tensors (from_tensor_slices, and a shuffle of it):
    // the node's iterators then also answer next_row(), and batch copies each batch's rows straight
    // from the tensors, where building and stacking an element per row would cost more than the
    // training step that the batch feeds.
    virtual const Element* row_source() const { return nullptr; }

protected:
    template <class Derived>
    std::shared_ptr<const Derived> self() const {
        return std::static_pointer_cast<const Derived>(shared_from_this());
    }
};

// `spec` with every tensor spec's shape replaced by shape_fn(shape) (a std::vector<std::int64_t>).
template <class ShapeFn>
ElementSpec transform_shapes(const ElementSpec& spec, ShapeFn& shape_fn) {
    if (spec.kind() == Element::Kind::tensor) return ElementSpec::tensor(shape_fn(spec.shape()));
    std::vector<ElementSpec> items;
    for (const auto& item : spec.items()) items.push_back(transform_shapes(item, shape_fn));
    if (spec.kind() == Element::Kind::tuple) return ElementSpec::tuple(std::move(items));
    std::vector<std::pair<std::string, ElementSpec>> named;
    for (std::size_t i = 0; i < items.size(); ++i) named.emplace_back(spec.keys()[i], std::move(items[i]));
    return ElementSpec::dict(std::move(named));
}

// cache(filename)'s node (cache_file.cpp).
std::shared_ptr<const Node> file_cache_node(std::shared_ptr<const Node> input, const std::string& filename);

// Row `index` of every tensor in `element` (rank >= 1 each), same structure.
Element slice_element(const Element& element, std::size_t index);
// The shared first dimension of every tensor in `element`; `where` names the caller in errors.
std::size_t leading_dimension(const Element& element, const std::string& where);
// Rows `rows` of every tensor in `tensors`, stacked along a new axis 0: the batch of those rows' elements.
Element gather_rows(const Element& tensors, const std::vector<std::size_t>& rows);
// Stacks same-structure, same-shape elements along a new axis 0.
Element stack_elements(const std::vector<Element>& elements, const std::string& where);

}  // namespace kx::data::detail
