// Elementwise maximum and minimum with broadcasting. The gradient goes to the picked operand,
// split in half on ties; it is weighted at the broadcast shape and summed back to each operand's
// shape (add_broadcast_grad, Flashlight's sumAs).
#include "ops/broadcast.hpp"
#include "tape.hpp"

#include <kerasxx/ops.hpp>

#include <cmath>

namespace kx::ops {

using detail::InputGrads;

namespace {
// y = picks(a, b) ? a : b   [broadcast(a, b)]. `picks` is a strict comparison; a NaN in a is
// picked, and a NaN in b fails the comparison, so NaN propagates from either side.
template <class Picks>
Tensor extremum(const char* op, const char* name, const Tensor& a, const Tensor& b, Picks picks) {
    Tensor y = Tensor::empty(a.shape() == b.shape() ? a.shape() : detail::broadcast_shapes(a.shape(), b.shape(), name));
    detail::broadcast_apply(y, a, b, [picks](float& o, float x, float z) { o = picks(x, z) || std::isnan(x) ? x : z; });
    return detail::record(op, y, {a, b}, [a = a.detach(), b = b.detach(), picks](const Tensor& dy, InputGrads& dx) {
        // w = 1 where a is picked, 1/2 on ties, 0 where b is   [broadcast(a, b) = shape of dy]
        Tensor w = Tensor::empty(dy.shape());
        detail::broadcast_apply(w, a, b, [picks](float& o, float x, float z) {
            o = picks(x, z) || std::isnan(x) ? 1.0f : (x == z ? 0.5f : 0.0f);
        });
        // da = sum_as(dy * w, a)   db = sum_as(dy * (1 - w), b)
        if (dx.needs(0)) detail::add_broadcast_grad(dx.acc(0), dy, w, [](float g, float v) { return g * v; });
        if (dx.needs(1)) detail::add_broadcast_grad(dx.acc(1), dy, w, [](float g, float v) { return g * (1.0f - v); });
    });
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
    return extremum("maximum", "ops::maximum", a, b, [](float x, float z) { return x > z; });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
    return extremum("minimum", "ops::minimum", a, b, [](float x, float z) { return x < z; });
}

}  // namespace kx::ops
