// Elementwise arithmetic with numpy broadcasting. Each gradient is computed at the broadcast
// shape and summed back to its operand's shape (add_sum_as, Flashlight's sumAs).
#include "ops/broadcast.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <string>

namespace kx::ops {

using detail::add_broadcast_grad;
using detail::add_sum_as;
using detail::InputGrads;

namespace {
// y = f(a, b)   [broadcast(a, b)]
template <class F>
Tensor binary(const char* op, const Tensor& a, const Tensor& b, F f) {
    Tensor y = Tensor::empty(a.shape() == b.shape() ? a.shape() : detail::broadcast_shapes(a.shape(), b.shape(), op));
    detail::broadcast_apply(y, a, b, [f](float& o, float x, float z) { o = f(x, z); });
    return y;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    Tensor y = binary("ops::add", a, b, [](float x, float z) { return x + z; });
    return detail::record("add", y, {a, b}, [](const Tensor& dy, InputGrads& dx) {
        // da = sum_as(dy, a)   db = sum_as(dy, b)
        if (dx.needs(0)) add_sum_as(dx.acc(0), dy);
        if (dx.needs(1)) add_sum_as(dx.acc(1), dy);
    });
}

Tensor subtract(const Tensor& a, const Tensor& b) {
    Tensor y = binary("ops::subtract", a, b, [](float x, float z) { return x - z; });
    return detail::record("subtract", y, {a, b}, [](const Tensor& dy, InputGrads& dx) {
        // da = sum_as(dy, a)   db = -sum_as(dy, b)
        if (dx.needs(0)) add_sum_as(dx.acc(0), dy);
        if (dx.needs(1)) add_sum_as(dx.acc(1), dy, -1.0f);
    });
}

Tensor multiply(const Tensor& a, const Tensor& b) {
    Tensor y = binary("ops::multiply", a, b, [](float x, float z) { return x * z; });
    return detail::record("multiply", y, {a, b}, [a = a.detach(), b = b.detach()](const Tensor& dy, InputGrads& dx) {
        // da = sum_as(dy * b, a)   db = sum_as(dy * a, b)   (dy * b at the broadcast shape)
        auto times = [](float g, float v) { return g * v; };
        if (dx.needs(0)) add_broadcast_grad(dx.acc(0), dy, b, times);
        if (dx.needs(1)) add_broadcast_grad(dx.acc(1), dy, a, times);
    });
}

Tensor divide(const Tensor& a, const Tensor& b) {
    Tensor y = binary("ops::divide", a, b, [](float x, float z) { return x / z; });
    return detail::record("divide", y, {a, b}, [b = b.detach(), y = y.detach()](const Tensor& dy, InputGrads& dx) {
        // da = sum_as(dy / b, a)
        if (dx.needs(0)) add_broadcast_grad(dx.acc(0), dy, b, [](float g, float v) { return g / v; });
        // db = sum_as(-dy * a / b^2, b) = sum_as(-(dy * y) / b, b)   (dy * y at the broadcast shape)
        if (dx.needs(1)) {
            Tensor dy_y = Tensor::empty(dy.shape());
            detail::broadcast_apply(dy_y, dy, y, [](float& o, float g, float v) { o = g * v; });
            add_broadcast_grad(dx.acc(1), dy_y, b, [](float t, float v) { return -t / v; });
        }
    });
}

Tensor negative(const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    const float* px = x.data();
    float* py = y.data();
    for (std::size_t i = 0; i < y.size(); ++i) py[i] = -px[i];
    return detail::record("negative", y, {x}, [](const Tensor& dy, InputGrads& dx) {
        // dx = -dy   [shape of x]
        add_sum_as(dx.acc(0), dy, -1.0f);
    });
}

}  // namespace kx::ops

namespace kx {

namespace {
// a = f(a, b) elementwise, b broadcast to a's shape.
template <class F>
Tensor& in_place(const char* op, Tensor& a, const Tensor& b, F f) {
    if (!a.defined() || !b.defined()) throw Error(std::string(op) + ": expected defined tensors");
    if (a.requires_grad())
        throw Error(std::string(op) + ": a tensor that requires a gradient cannot change in place (its backward "
                    "pass reads its value); use the operator without '='");
    if (a.shape() != b.shape() && detail::broadcast_shapes(a.shape(), b.shape(), op) != a.shape())
        throw Error(std::string(op) + ": the result must keep the shape " + to_string(a.shape()) + ", but " +
                    to_string(b.shape()) + " broadcasts it to " + to_string(detail::broadcast_shapes(a.shape(), b.shape(), op)));
    detail::broadcast_apply(a, a, b, [f](float& o, float x, float z) { o = f(x, z); });
    return a;
}
}  // namespace

Tensor& operator+=(Tensor& a, const Tensor& b) { return in_place("operator+=", a, b, [](float x, float z) { return x + z; }); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return in_place("operator-=", a, b, [](float x, float z) { return x - z; }); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return in_place("operator*=", a, b, [](float x, float z) { return x * z; }); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return in_place("operator/=", a, b, [](float x, float z) { return x / z; }); }

}  // namespace kx
