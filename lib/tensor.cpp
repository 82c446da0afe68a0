#include <kerasxx/error.hpp>
#include <kerasxx/tensor.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <numeric>
#include <ostream>
#include <sstream>

namespace kx {

std::string to_string(const Shape& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += shape[i] == None ? "None" : std::to_string(shape[i]);
    }
    if (shape.size() == 1) s += ",";   // Python's one-tuple, as Keras prints it: (10,)
    return s + ")";
}

std::ostream& operator<<(std::ostream& out, const Shape& shape) { return out << to_string(shape); }

std::size_t num_elements(const Shape& shape) {
    return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

namespace detail {
Storage::Storage(std::size_t size) : data_(nullptr), size_(size) {
    constexpr std::size_t alignment = 64;
    std::size_t bytes = std::max<std::size_t>(size * sizeof(float), alignment);
    bytes = (bytes + alignment - 1) / alignment * alignment;
    data_ = static_cast<float*>(std::aligned_alloc(alignment, bytes));
    if (!data_) throw Error("Tensor: cannot allocate " + std::to_string(size) + " floats");
}
Storage::~Storage() { std::free(data_); }
}  // namespace detail

namespace {
std::shared_ptr<detail::TensorImpl> make_impl(Shape shape) {
    for (std::size_t d : shape)
        if (d == None) throw Error("Tensor: a concrete tensor cannot have a None dimension, got shape " + to_string(shape));
    auto impl = std::make_shared<detail::TensorImpl>();
    impl->storage = std::make_shared<detail::Storage>(num_elements(shape));
    impl->shape = std::move(shape);
    return impl;
}

const detail::TensorImpl& checked(const std::shared_ptr<detail::TensorImpl>& impl) {
    if (!impl) throw Error("Tensor: this tensor is undefined (default-constructed); give it a shape first");
    return *impl;
}
}  // namespace

Tensor Tensor::from_impl(std::shared_ptr<detail::TensorImpl> impl) {
    Tensor t;
    t.impl_ = std::move(impl);
    return t;
}

Tensor Tensor::empty(Shape shape) { return from_impl(make_impl(std::move(shape))); }

Tensor::Tensor(Shape shape) : impl_(make_impl(std::move(shape))) {
    std::memset(impl_->storage->data(), 0, impl_->storage->size() * sizeof(float));
}

Tensor::Tensor(Shape shape, std::vector<float> values) : impl_(make_impl(std::move(shape))) {
    if (values.size() != impl_->storage->size())
        throw Error("Tensor: shape " + to_string(impl_->shape) + " needs " + std::to_string(impl_->storage->size()) +
                    " values, got " + std::to_string(values.size()));
    std::copy(values.begin(), values.end(), impl_->storage->data());
}

Tensor Tensor::full(Shape shape, float value) {
    Tensor t = empty(std::move(shape));
    std::fill_n(t.data(), t.size(), value);
    return t;
}

Tensor Tensor::arange(std::size_t n) {
    Tensor t = empty({n});
    std::iota(t.data(), t.data() + n, 0.0f);
    return t;
}

const Shape& Tensor::shape() const { return checked(impl_).shape; }
float* Tensor::data() { return checked(impl_).storage->data(); }
const float* Tensor::data() const { return checked(impl_).storage->data(); }

std::size_t Tensor::dim(int axis) const {
    const int r = static_cast<int>(rank());
    const int a = axis < 0 ? axis + r : axis;
    if (a < 0 || a >= r)
        throw Error("Tensor: axis " + std::to_string(axis) + " is out of range for shape " + to_string(shape()));
    return shape()[static_cast<std::size_t>(a)];
}

float Tensor::item() const {
    if (size() != 1) throw Error("Tensor::item: expected a tensor with one element, got shape " + to_string(shape()));
    return data()[0];
}

float Tensor::at(std::initializer_list<std::size_t> index) const {
    const Shape& s = shape();
    if (index.size() != s.size())
        throw Error("Tensor::at: expected " + std::to_string(s.size()) + " indices for shape " + to_string(s) + ", got " +
                    std::to_string(index.size()));
    std::size_t flat = 0, axis = 0;
    for (std::size_t i : index) {
        if (i >= s[axis])
            throw Error("Tensor::at: index " + std::to_string(i) + " is out of range for axis " + std::to_string(axis) +
                        " of shape " + to_string(s));
        flat = flat * s[axis++] + i;
    }
    return data()[flat];
}

std::vector<float> Tensor::to_vector() const { return std::vector<float>(data(), data() + size()); }

Tensor Tensor::clone() const {
    Tensor t = empty(shape());
    std::copy_n(data(), size(), t.data());
    return t;
}

Tensor Tensor::detach() const {
    auto impl = std::make_shared<detail::TensorImpl>();
    impl->storage = checked(impl_).storage;
    impl->shape = impl_->shape;
    return from_impl(std::move(impl));
}

Tensor Tensor::reshaped(Shape new_shape) const {
    if (num_elements(new_shape) != size())
        throw Error("Tensor::reshaped: cannot reshape " + to_string(shape()) + " (" + std::to_string(size()) +
                    " elements) to " + to_string(new_shape));
    Tensor t = detach();
    t.impl_->shape = std::move(new_shape);
    return t;
}

void Tensor::copy_from(const Tensor& other) {
    if (other.size() != size())
        throw Error("Tensor::copy_from: expected " + std::to_string(size()) + " elements " + to_string(shape()) + ", got " +
                    to_string(other.shape()));
    std::copy_n(other.data(), size(), data());
}

Tensor Tensor::grad() const {
    if (!checked(impl_).grad) return Tensor();
    auto impl = std::make_shared<detail::TensorImpl>();
    impl->storage = impl_->grad;
    impl->shape = impl_->shape;
    return from_impl(std::move(impl));
}

void Tensor::clear_grad() const {
    if (impl_) impl_->grad.reset();
}

void Tensor::zero_grad() const {
    if (impl_ && impl_->grad) std::fill_n(impl_->grad->data(), impl_->grad->size(), 0.0f);
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
    if (!t.defined()) return out << "Tensor(undefined)";
    const Shape& s = t.shape();
    const float* p = t.data();
    std::ostringstream os;
    os << std::setprecision(6);
    if (s.empty()) {
        os << p[0];
    } else {
        // Row-major walk; brackets open and close where an index rolls over, as numpy prints.
        const std::size_t n = t.size();
        std::vector<std::size_t> idx(s.size(), 0);
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t opening = 0;
            while (opening < s.size() && idx[s.size() - 1 - opening] == 0) ++opening;
            if (k) os << (opening > 0 ? ",\n" + std::string(s.size() - opening, ' ') : ", ");
            os << std::string(opening, '[') << p[k];
            for (std::size_t a = s.size(); a-- > 0;) {
                if (++idx[a] < s[a]) break;
                idx[a] = 0;
                os << ']';
            }
        }
        if (n == 0) os << std::string(s.size(), '[') << std::string(s.size(), ']');
    }
    return out << os.str() << " shape=" << to_string(s);
}

}  // namespace kx
