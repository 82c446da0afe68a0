// Internal: the pipeline graph behind kx::data::Dataset. A Node is an immutable description of one
// transformation (shared by every Dataset copy); make_iterator() starts one run of it, and the
// IteratorImpl holds that run's state (buffers, RNG, threads).
#pragma once

#include <kerasxx/data/dataset.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace kx::data::detail {

class IteratorImpl {
public:
    virtual ~IteratorImpl() = default;
    virtual std::optional<Element> next() = 0;    // nullopt at the end of the run
};

// Always owned by a shared_ptr: iterators hold their node through self(), so an iterator stays valid
// after the Dataset it came from is gone.
class Node : public std::enable_shared_from_this<Node> {
public:
    virtual ~Node() = default;
    virtual std::unique_ptr<IteratorImpl> make_iterator() const = 0;
    virtual std::int64_t cardinality() const = 0;

protected:
    template <class Derived>
    std::shared_ptr<const Derived> self() const {
        return std::static_pointer_cast<const Derived>(shared_from_this());
    }
};

// Row `index` of every tensor in `element` (rank >= 1 each), same structure.
Element slice_element(const Element& element, std::size_t index);
// The shared first dimension of every tensor in `element`; `where` names the caller in errors.
std::size_t leading_dimension(const Element& element, const std::string& where);
// Stacks same-structure, same-shape elements along a new axis 0.
Element stack_elements(const std::vector<Element>& elements, const std::string& where);

}  // namespace kx::data::detail
