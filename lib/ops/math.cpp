// Elementwise math. Kernels are xtensor expressions over flat (1-D) views, which xsimd
// vectorises (exp, log, sqrt, pow included) and which skip xarray's dynamic-shape overhead.
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include <sstream>

namespace kx::ops {

using detail::InputGrads;

namespace {
auto flat(const Tensor& t) { return xt::adapt(t.data(), t.size(), xt::no_ownership()); }
auto flat(Tensor& t) { return xt::adapt(t.data(), t.size(), xt::no_ownership()); }

// y = f(flat(x)), evaluated straight into a new tensor of x's shape.
template <class F>
Tensor map(const Tensor& x, F f) {
    Tensor y = Tensor::empty(x.shape());
    xt::noalias(flat(y)) = f(flat(x));
    return y;
}

// Input 0's gradient += expr, an expression of x's size.
template <class E>
void accumulate(InputGrads& dx, E&& expr) {
    Tensor g = dx.acc(0);
    xt::noalias(flat(g)) += std::forward<E>(expr);
}
}  // namespace

Tensor exp(const Tensor& x) {
    Tensor y = map(x, [](auto v) { return xt::exp(v); });
    return detail::record("exp", y, {x}, [y = y.detach()](const Tensor& dy, InputGrads& dx) {
        // dx = dy * y   [shape of x]
        accumulate(dx, flat(dy) * flat(y));
    });
}

Tensor log(const Tensor& x) {
    Tensor y = map(x, [](auto v) { return xt::log(v); });
    return detail::record("log", y, {x}, [x = x.detach()](const Tensor& dy, InputGrads& dx) {
        // dx = dy / x   [shape of x]
        accumulate(dx, flat(dy) / flat(x));
    });
}

Tensor sqrt(const Tensor& x) {
    Tensor y = map(x, [](auto v) { return xt::sqrt(v); });
    return detail::record("sqrt", y, {x}, [y = y.detach()](const Tensor& dy, InputGrads& dx) {
        // dx = dy / (2 sqrt(x)) = 0.5 dy / y   [shape of x]
        accumulate(dx, 0.5f * flat(dy) / flat(y));
    });
}

Tensor square(const Tensor& x) {
    Tensor y = map(x, [](auto v) { return v * v; });
    return detail::record("square", y, {x}, [x = x.detach()](const Tensor& dy, InputGrads& dx) {
        // dx = 2 x dy   [shape of x]
        accumulate(dx, 2.0f * flat(x) * flat(dy));
    });
}

Tensor pow(const Tensor& x, float exponent) {
    Tensor y = map(x, [exponent](auto v) { return xt::pow(v, exponent); });
    return detail::record("pow", y, {x}, [x = x.detach(), exponent](const Tensor& dy, InputGrads& dx) {
        // dx = e x^(e-1) dy   [shape of x]; exactly 0 for e = 0 (x^-1 would make it NaN at x = 0)
        if (exponent == 0.0f) dx.acc(0);   // the gradient exists, and is zero
        else accumulate(dx, exponent * xt::pow(flat(x), exponent - 1.0f) * flat(dy));
    });
}

Tensor abs(const Tensor& x) {
    Tensor y = map(x, [](auto v) { return xt::abs(v); });
    return detail::record("abs", y, {x}, [x = x.detach()](const Tensor& dy, InputGrads& dx) {
        // dx = sign(x) dy   [shape of x]; sign(0) = 0, as in TF
        accumulate(dx, xt::sign(flat(x)) * flat(dy));
    });
}

Tensor clip(const Tensor& x, float min_value, float max_value) {
    if (!(min_value <= max_value)) {
        std::ostringstream message;
        message << "ops::clip: expected min_value <= max_value, got min_value=" << min_value
                << " and max_value=" << max_value;
        throw Error(message.str());
    }
    Tensor y = map(x, [=](auto v) { return xt::clip(v, min_value, max_value); });
    return detail::record("clip", y, {x}, [x = x.detach(), min_value, max_value](const Tensor& dy, InputGrads& dx) {
        // dx = dy where min <= x <= max, else 0   [shape of x]; the bounds pass the gradient, as in TF
        auto v = flat(x);
        accumulate(dx, xt::where(v >= min_value && v <= max_value, flat(dy), 0.0f));
    });
}

}  // namespace kx::ops
