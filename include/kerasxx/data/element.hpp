// kx::data::Element: one element of a kx::data::Dataset, a structure of tensors like tf.data's:
// a single tensor, a tuple (by position) or a name -> element map, nested to any depth.
//
//   kx::data::Element x = kx::Tensor({2}, {1, 2});                   // a single tensor
//   auto pair = kx::data::Element::tuple({x, kx::Tensor::scalar(0)}); // pair[0].tensor(), pair[1]
//   auto named = kx::data::Element::dict({{"image", x}, {"label", kx::Tensor::scalar(3)}});
//   named["label"].tensor().item();                                   // 3
//   std::cout << named.structure();    // {'image': Tensor(2,), 'label': Tensor()}
//
// Dict keys are kept sorted, as tf.data's nest does, so two dicts with the same keys have the same
// structure whatever order they were written in.
#pragma once

#include <kerasxx/tensor.hpp>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace kx::data {

class Element {
public:
    enum class Kind { tensor, tuple, dict };

    Element() = default;                                   // an empty tuple
    Element(Tensor tensor);                                // NOLINT: implicit, so a map fn can return a Tensor
    static Element tuple(std::vector<Element> items);
    static Element dict(std::vector<std::pair<std::string, Element>> items);   // keys must be unique

    Kind kind() const { return kind_; }
    bool is_tensor() const { return kind_ == Kind::tensor; }
    bool is_tuple() const { return kind_ == Kind::tuple; }
    bool is_dict() const { return kind_ == Kind::dict; }

    const Tensor& tensor() const;                          // a single tensor, else kx::Error
    std::size_t size() const;                              // tuple or dict: number of items
    const Element& operator[](std::size_t index) const;    // tuple item
    const Element& operator[](const std::string& key) const;   // dict item
    bool contains(const std::string& key) const;           // dict only
    const std::vector<std::string>& keys() const { return keys_; }   // dict keys, sorted
    const std::vector<Element>& items() const { return items_; }     // tuple items, or dict values by key

    // The structure with each tensor's shape, e.g. "(Tensor(2, 3), {'y': Tensor()})".
    std::string structure() const;
    // Same nesting, kinds and keys (tensor shapes may differ), as tf.data requires of zip/concatenate.
    bool same_structure(const Element& other) const;
    // Every tensor in depth-first order (dict values by sorted key).
    std::vector<Tensor> flatten() const;

private:
    Kind kind_ = Kind::tuple;
    Tensor tensor_;
    std::vector<Element> items_;
    std::vector<std::string> keys_;
};

}  // namespace kx::data
