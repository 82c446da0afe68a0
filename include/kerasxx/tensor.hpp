// kx::Tensor: a float32, row-major, n-dimensional array; a cheap handle (copies share storage).
//
//   kx::Tensor a({2, 3}, {1, 2, 3, 4, 5, 6});   // shape (2, 3)
//   kx::Tensor b = kx::Tensor::ones({3});
//   kx::Tensor c = a * b + 1.0f;                 // broadcasting ops from <kerasxx/ops.hpp>
//   std::cout << c.shape() << ' ' << c.at({1, 2}) << '\n' << c;
//
// Tensors also record the operations that produced them, for reverse-mode autograd
// (<kerasxx/autograd.hpp>). Any xtensor array or expression converts implicitly
// (kx::Tensor t = xt::xarray<float>{{1, 2}}); <kerasxx/xtensor.hpp> converts back.
#pragma once

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace kx {

// A tensor shape. In symbolic shapes (layer inputs and outputs) the batch dimension is kx::None.
using Shape = std::vector<std::size_t>;
inline constexpr std::size_t None = std::numeric_limits<std::size_t>::max();

// "(32, 64)", "(None, 784)", "()" for a scalar: the form Keras prints.
std::string to_string(const Shape& shape);
std::ostream& operator<<(std::ostream& out, const Shape& shape);
std::size_t num_elements(const Shape& shape);

class Tensor;
class Constraint;

namespace detail {
struct Node;

// A 64-byte aligned float buffer, so that xsimd and BLAS kernels get aligned loads.
class Storage {
public:
    explicit Storage(std::size_t size);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    float* data() { return data_; }
    std::size_t size() const { return size_; }

private:
    float* data_;
    std::size_t size_;
};

struct TensorImpl {
    std::shared_ptr<Storage> storage;
    Shape shape;
    std::shared_ptr<Storage> grad;     // d(loss)/d(this), filled by backward()
    std::shared_ptr<Node> grad_fn;     // the op that produced this tensor, if recorded
    bool requires_grad = false;
    std::string name;                  // variables only
    bool trainable = true;             // variables only
    std::shared_ptr<Constraint> constraint;   // variables only: applied after each optimizer update
};

// Anything shaped and iterable like an xtensor container or expression.
template <class E>
concept ArrayLike = !std::same_as<std::remove_cvref_t<E>, Tensor> && requires(const E& e) {
    { e.shape() };
    { e.dimension() } -> std::convertible_to<std::size_t>;
    { static_cast<float>(*e.begin()) };
};
}  // namespace detail

class Tensor {
public:
    Tensor() = default;                                   // undefined: no storage
    explicit Tensor(Shape shape);                         // zeros
    Tensor(Shape shape, std::vector<float> values);       // values row-major, size must match
    Tensor(Shape shape, std::initializer_list<float> values)
        : Tensor(std::move(shape), std::vector<float>(values)) {}
    template <detail::ArrayLike E>
    Tensor(const E& array) : Tensor(Shape(array.shape().begin(), array.shape().end())) {  // NOLINT: implicit by design
        float* out = data();
        for (auto it = array.begin(); it != array.end(); ++it) *out++ = static_cast<float>(*it);
    }

    static Tensor zeros(Shape shape) { return Tensor(std::move(shape)); }
    static Tensor ones(Shape shape) { return full(std::move(shape), 1.0f); }
    static Tensor full(Shape shape, float value);
    static Tensor scalar(float value) { return full({}, value); }
    static Tensor arange(std::size_t n);                  // 0, 1, ..., n-1
    static Tensor empty(Shape shape);                     // uninitialised, for kernels to fill

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    std::size_t rank() const { return shape().size(); }
    // The element count; the storage holds exactly that many floats (views share a same-size buffer).
    std::size_t size() const { return impl_ ? impl_->storage->size() : num_elements(shape()); }
    std::size_t dim(int axis) const;                      // negative axes count from the end
    float* data();
    const float* data() const;
    float item() const;                                   // the value of a one-element tensor
    float at(std::initializer_list<std::size_t> index) const;
    std::vector<float> to_vector() const;

    Tensor clone() const;                                 // deep copy, no autograd history
    Tensor detach() const;                                // same storage, no autograd history
    Tensor reshaped(Shape shape) const;                   // same storage (not recorded for autograd)
    void copy_from(const Tensor& other);                  // in-place, same size required

    // Autograd.
    bool requires_grad() const { return impl_ && impl_->requires_grad; }
    Tensor grad() const;                                  // undefined until backward() reaches it
    void zero_grad() const;              // a handle: clears the shared gradient
    void clear_grad() const;             // drops the gradient: "none" until the next backward reaches it

    const std::shared_ptr<detail::TensorImpl>& impl() const { return impl_; }
    static Tensor from_impl(std::shared_ptr<detail::TensorImpl> impl);   // for kernels: wraps storage as is

private:
    std::shared_ptr<detail::TensorImpl> impl_;
};

// Prints like numpy: values, then shape.
std::ostream& operator<<(std::ostream& out, const Tensor& tensor);

}  // namespace kx
