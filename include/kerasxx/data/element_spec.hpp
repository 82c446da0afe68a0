// kx::data::ElementSpec: the structure of a Dataset's elements with each tensor's shape, where a
// dimension may be unknown (tf.TensorSpec's None), like tf.data's element_spec.
//
//   using kx::data::ElementSpec;
//   auto spec = ElementSpec::tuple({ElementSpec::tensor({kx::data::unknown_dim, 28}),   // (None, 28)
//                                   ElementSpec::tensor({})});                          // a scalar
//   spec.str();                                  // "(Tensor(None, 28), Tensor())"
//   spec.matches(kx::data::Element::tuple({kx::Tensor({5, 28}), kx::Tensor::scalar(1)}));   // true
//   ElementSpec::of(element);                    // the spec of one concrete element
//
// Dataset::from_generator checks elements against a declared spec, and Dataset::element_spec()
// reports what a pipeline is known to produce without running it.
#pragma once

#include <kerasxx/data/element.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kx::data {

// A dimension that may differ from element to element (None in tf.data).
inline constexpr std::int64_t unknown_dim = -1;

class ElementSpec {
public:
    using Kind = Element::Kind;

    ElementSpec() = default;                                         // the empty tuple
    static ElementSpec tensor(std::vector<std::int64_t> shape);      // dims >= 0 or unknown_dim
    static ElementSpec tuple(std::vector<ElementSpec> items);
    static ElementSpec dict(std::vector<std::pair<std::string, ElementSpec>> items);   // keys must be unique
    static ElementSpec of(const Element& element);                   // every dimension known

    Kind kind() const { return kind_; }
    const std::vector<std::int64_t>& shape() const { return shape_; }   // tensor specs only
    const std::vector<ElementSpec>& items() const { return items_; }    // tuple items, or dict values by key
    const std::vector<std::string>& keys() const { return keys_; }      // dict keys, sorted

    // Same nesting, kinds and keys, the same rank for every tensor, and every known dimension equal.
    bool matches(const Element& element) const;
    // The most specific spec both fit: dimensions that differ become unknown. Both must have the
    // same structure and ranks (compatible_structure), else kx::Error.
    ElementSpec merge(const ElementSpec& other) const;
    // Same nesting, kinds, keys and ranks (dimensions may differ).
    bool compatible_structure(const ElementSpec& other) const;
    // Every dimension of every tensor is known.
    bool fully_defined() const;

    // Like Element::structure(), unknown dimensions printed as None: "{'x': Tensor(None, 28)}".
    std::string str() const;

    bool operator==(const ElementSpec& other) const = default;

private:
    Kind kind_ = Kind::tuple;
    std::vector<std::int64_t> shape_;
    std::vector<ElementSpec> items_;
    std::vector<std::string> keys_;
};

}  // namespace kx::data
