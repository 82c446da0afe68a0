// Activation ops, each forward kernel beside its backward kernel.
//
// Kernels chosen by measurement (g++ 12 -O3 -mavx2, 1280 and 32768 floats):
// - piecewise-linear ops (relu, leaky_relu, hard_sigmoid, softsign) and backward kernels that need
//   no exp are plain contiguous loops that GCC vectorises: 2x (forward) and 2-4x (backward) faster
//   than the equivalent xtensor expression;
// - exp, tanh and log1p are xtensor expressions, which xsimd vectorises: 6-17x faster than
//   scalar std::exp / std::tanh loops. gelu's erf is a polynomial (see normal_cdf).
// softmax and log_softmax run exp once over the whole tensor, and their per-axis reductions as
// contiguous loops, for any axis.
#include "ops/axes.hpp"
#include "ops/parallel.hpp"
#include "tape.hpp"
#include "xt_adapt.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace kx::ops {

using detail::InputGrads;
using detail::view;

namespace {

// Elementwise loops over at least this many floats per thread are split across the thread
// budget; below it, waking a second thread costs more than it saves.
constexpr std::size_t parallel_grain = 1 << 15;

// The loops run in functions taking pointers and f by value: inside a task's lambda they would be
// read through its closure, which GCC cannot prove the stores leave alone, and it would neither
// vectorise nor if-convert them.
template <class F>
void map_range(const float* in, float* out, F f, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) out[i] = f(in[i]);
}

template <class F>
void accumulate_range(float* g, F f, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) g[i] += f(i);
}

// y[i] = f(x[i]) as contiguous loops; f is inlined, so GCC vectorises them.
template <class F>
Tensor map_elements(const Tensor& x, F f) {
    Tensor y = Tensor::empty(x.shape());
    const float* in = x.data();
    float* out = y.data();
    detail::parallel_for(y.size(), parallel_grain,
                         [&](std::size_t begin, std::size_t end) { map_range(in, out, f, begin, end); });
    return y;
}

// dx[i] += f(i) into input 0's gradient, when it needs one.
template <class F>
void accumulate(InputGrads& dx, std::size_t n, F f) {
    if (!dx.needs(0)) return;
    float* g = dx.acc(0).data();
    detail::parallel_for(n, parallel_grain, [&](std::size_t begin, std::size_t end) { accumulate_range(g, f, begin, end); });
}

// A tensor seen as (outer, n, inner) around `axis`: block o is the row-major (n, inner) matrix
// at offset o * n * inner, and softmax runs down each of its columns. The last axis (inner == 1)
// makes each block one contiguous row.
struct AxisLayout {
    std::size_t outer = 1, n = 1, inner = 1;
    std::size_t block_size() const { return n * inner; }
};

AxisLayout layout_along(const Tensor& x, int axis, const char* op) {
    const std::size_t a = detail::normalize_axis(op, axis, x.shape());
    AxisLayout l;
    for (std::size_t d = 0; d < x.rank(); ++d) {
        const std::size_t extent = x.shape()[d];
        if (d < a) l.outer *= extent;
        else if (d == a) l.n = extent;
        else l.inner *= extent;
    }
    return l;
}

// Per-column statistics of one block: stat[k] = op over j of value(j * inner + k). Both loops
// are contiguous so GCC vectorises them: a row keeps 8 partial results (one running total is a
// serial dependency chain GCC may not reorder without -ffast-math), columns run side by side.
class ColumnStats {
public:
    explicit ColumnStats(const AxisLayout& l) : n_(l.n), inner_(l.inner), columns_(l.inner > 1 ? l.inner : 0) {}

    template <class Value, class Op>
    void reduce(float init, Value value, Op op) {
        if (inner_ == 1) {
            float part[8];
            std::fill_n(part, 8, init);
            std::size_t j = 0;
            for (; j + 8 <= n_; j += 8)
                for (std::size_t k = 0; k < 8; ++k) part[k] = op(part[k], value(j + k));
            for (; j < n_; ++j) part[0] = op(part[0], value(j));
            row_ = part[0];
            for (std::size_t k = 1; k < 8; ++k) row_ = op(row_, part[k]);
            return;
        }
        std::fill(columns_.begin(), columns_.end(), init);
        float* stat = columns_.data();
        for (std::size_t j = 0; j < n_; ++j)
            for (std::size_t k = 0; k < inner_; ++k) stat[k] = op(stat[k], value(j * inner_ + k));
    }

    // stat[k] = f(stat[k]) for every column.
    template <class F>
    void transform(F f) {
        row_ = f(row_);
        for (float& v : columns_) v = f(v);
    }

    // Calls f(i, stat of i's column) for every element i of the block.
    template <class F>
    void for_each(F f) const {
        if (inner_ == 1) {
            for (std::size_t j = 0; j < n_; ++j) f(j, row_);
            return;
        }
        const float* stat = columns_.data();
        for (std::size_t j = 0; j < n_; ++j)
            for (std::size_t k = 0; k < inner_; ++k) f(j * inner_ + k, stat[k]);
    }

private:
    std::size_t n_, inner_;
    float row_ = 0.0f;
    std::vector<float> columns_;   // empty (no allocation) for the last axis
};

constexpr auto max_op = [](float a, float b) { return std::max(a, b); };
constexpr auto add_op = [](float a, float b) { return a + b; };

// y = x - max along the axis, so that exp(y) <= 1 cannot overflow (logits of 1000 are fine).
void subtract_max(const Tensor& x, Tensor& y, const AxisLayout& l) {
    ColumnStats stats(l);
    for (std::size_t o = 0; o < l.outer; ++o) {
        const float* xb = x.data() + o * l.block_size();
        float* yb = y.data() + o * l.block_size();
        stats.reduce(-std::numeric_limits<float>::infinity(), [xb](std::size_t i) { return xb[i]; }, max_op);
        stats.for_each([xb, yb](std::size_t i, float m) { yb[i] = xb[i] - m; });
    }
}

// Constants from Klambauer et al. 2017, as Keras writes them.
constexpr float selu_alpha = 1.67326324f;
constexpr float selu_scale = 1.05070098f;

// gelu: 1/sqrt(2), 1/sqrt(2 pi), sqrt(2/pi) and the cubic coefficient of the tanh approximation.
constexpr float inv_sqrt2 = 1.0f / std::numbers::sqrt2_v<float>;
constexpr float inv_sqrt_2pi = 0.5f * std::numbers::inv_sqrtpi_v<float> * std::numbers::sqrt2_v<float>;
constexpr float sqrt_2_over_pi = 2.0f * inv_sqrt_2pi;
constexpr float gelu_cubic = 0.044715f;

// Phi(x), the standard normal CDF, given e = exp(-x^2 / 2). erfc(|x| / sqrt 2) is Abramowitz &
// Stegun 7.1.26 (|error| <= 1.5e-7, the formula PyTorch's vectorised CPU erf uses), written
// without branches (copysign) so that GCC vectorises the loops calling it: with the exp left to
// xsimd, gelu runs 2x faster than with xsimd's erf.
inline float normal_cdf(float x, float e) {
    const float t = 1.0f / (1.0f + 0.3275911f * inv_sqrt2 * std::abs(x));
    const float poly =
        t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    // tail = erfc(|x| / sqrt 2) / 2; Phi is 1 - tail for x >= 0 and tail for x < 0.
    const float tail = 0.5f * poly * e;
    return 0.5f + std::copysign(0.5f - tail, x);
}

}  // namespace

Tensor relu(const Tensor& x) {
    Tensor y = map_elements(x, [](float v) { return std::max(v, 0.0f); });
    return detail::record("relu", y, {x}, [y = y.detach()](const Tensor& dy, InputGrads& dx) {
        // dx += dy * (y > 0)   [shape of x]
        const float* out = y.data();
        const float* d = dy.data();
        accumulate(dx, y.size(), [=](std::size_t i) { return out[i] > 0.0f ? d[i] : 0.0f; });
    });
}

Tensor leaky_relu(const Tensor& x, float negative_slope) {
    Tensor y = map_elements(x, [negative_slope](float v) { return std::max(v, 0.0f) + negative_slope * std::min(v, 0.0f); });
    return detail::record("leaky_relu", y, {x}, [x = x.detach(), negative_slope](const Tensor& dy, InputGrads& dx) {
        // dx += dy * (x > 0 ? 1 : slope)   [shape of x]
        const float* in = x.data();
        const float* d = dy.data();
        accumulate(dx, x.size(), [=](std::size_t i) { return in[i] > 0.0f ? d[i] : negative_slope * d[i]; });
    });
}

Tensor elu(const Tensor& x, float alpha) {
    Tensor y = Tensor::empty(x.shape());
    // y = x > 0 ? x : alpha * (e^x - 1); expm1 keeps precision near 0.
    xt::noalias(view(y)) = xt::where(view(x) > 0.0f, view(x), alpha * xt::expm1(view(x)));
    return detail::record("elu", y, {x}, [x = x.detach(), y = y.detach(), alpha](const Tensor& dy, InputGrads& dx) {
        // dx += dy * (x > 0 ? 1 : alpha * e^x = y + alpha)   [shape of x]
        const float* in = x.data();
        const float* out = y.data();
        const float* d = dy.data();
        accumulate(dx, x.size(), [=](std::size_t i) { return in[i] > 0.0f ? d[i] : d[i] * (out[i] + alpha); });
    });
}

Tensor selu(const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    // y = scale * (x > 0 ? x : alpha * (e^x - 1))
    xt::noalias(view(y)) =
        selu_scale * xt::where(view(x) > 0.0f, view(x), selu_alpha * xt::expm1(view(x)));
    return detail::record("selu", y, {x}, [x = x.detach(), y = y.detach()](const Tensor& dy, InputGrads& dx) {
        // dx += dy * (x > 0 ? scale : scale * alpha * e^x = y + scale * alpha)   [shape of x]
        const float* in = x.data();
        const float* out = y.data();
        const float* d = dy.data();
        accumulate(dx, x.size(), [=](std::size_t i) {
            return in[i] > 0.0f ? selu_scale * d[i] : d[i] * (out[i] + selu_scale * selu_alpha);
        });
    });
}

Tensor gelu(const Tensor& x, bool approximate) {
    const auto v = view(x);
    Tensor y = Tensor::empty(x.shape());
    if (approximate) {   // y = x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
        xt::noalias(view(y)) = 0.5f * v * (1.0f + xt::tanh(sqrt_2_over_pi * (v + gelu_cubic * v * v * v)));
    } else {             // y = x * Phi(x); y first holds e^(-x^2/2)
        xt::noalias(view(y)) = xt::exp(-0.5f * v * v);
        const float* in = x.data();
        float* out = y.data();
        for (std::size_t i = 0, n = y.size(); i < n; ++i) out[i] = in[i] * normal_cdf(in[i], out[i]);
    }
    return detail::record("gelu", y, {x}, [x = x.detach(), approximate](const Tensor& dy, InputGrads& dx) {
        if (!dx.needs(0)) return;
        const auto v = view(x);
        const float* in = x.data();
        const float* d = dy.data();
        if (approximate) {
            // t = tanh(u), u = sqrt(2/pi) (x + c x^3):
            // dx += dy * (1/2 (1 + t) + x/2 (1 - t^2) sqrt(2/pi) (1 + 3c x^2))   [shape of x]
            Tensor t = Tensor::empty(x.shape());
            xt::noalias(view(t)) = xt::tanh(sqrt_2_over_pi * (v + gelu_cubic * v * v * v));
            const float* th = t.data();
            accumulate(dx, x.size(), [=](std::size_t i) {
                const float xi = in[i];
                return d[i] * (0.5f * (1.0f + th[i]) + 0.5f * xi * (1.0f - th[i] * th[i]) * sqrt_2_over_pi *
                                                           (1.0f + 3.0f * gelu_cubic * xi * xi));
            });
        } else {
            // dx += dy * (Phi(x) + x phi(x)), phi(x) = e^(-x^2/2) / sqrt(2 pi)   [shape of x]
            Tensor e = Tensor::empty(x.shape());
            xt::noalias(view(e)) = xt::exp(-0.5f * v * v);
            const float* ex = e.data();
            accumulate(dx, x.size(), [=](std::size_t i) {
                return d[i] * (normal_cdf(in[i], ex[i]) + in[i] * ex[i] * inv_sqrt_2pi);
            });
        }
    });
}

Tensor sigmoid(const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    // y = 1 / (1 + e^-x): for x < -88, e^-x is inf and y is 0 as it should be, never NaN.
    xt::noalias(view(y)) = 1.0f / (1.0f + xt::exp(-view(x)));
    return detail::record("sigmoid", y, {x}, [y = y.detach()](const Tensor& dy, InputGrads& dx) {
        // dx += dy * y * (1 - y)   [shape of x]
        const float* out = y.data();
        const float* d = dy.data();
        accumulate(dx, y.size(), [=](std::size_t i) { return d[i] * out[i] * (1.0f - out[i]); });
    });
}

Tensor hard_sigmoid(const Tensor& x) {
    // y = relu6(x + 3) / 6 = clamp(x / 6 + 1/2, 0, 1)
    Tensor y = map_elements(x, [](float v) { return std::min(std::max(v * (1.0f / 6.0f) + 0.5f, 0.0f), 1.0f); });
    return detail::record("hard_sigmoid", y, {x}, [x = x.detach()](const Tensor& dy, InputGrads& dx) {
        // dx += dy / 6 on -3 < x < 3, else 0   [shape of x]
        const float* in = x.data();
        const float* d = dy.data();
        accumulate(dx, x.size(),
                   [=](std::size_t i) { return in[i] > -3.0f && in[i] < 3.0f ? d[i] * (1.0f / 6.0f) : 0.0f; });
    });
}

Tensor tanh(const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    xt::noalias(view(y)) = xt::tanh(view(x));
    return detail::record("tanh", y, {x}, [y = y.detach()](const Tensor& dy, InputGrads& dx) {
        // dx += dy * (1 - y^2)   [shape of x]
        const float* out = y.data();
        const float* d = dy.data();
        accumulate(dx, y.size(), [=](std::size_t i) { return d[i] * (1.0f - out[i] * out[i]); });
    });
}

Tensor softplus(const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    // y = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): e^-|x| <= 1 never overflows.
    xt::noalias(view(y)) = xt::maximum(view(x), 0.0f) + xt::log1p(xt::exp(-xt::abs(view(x))));
    return detail::record("softplus", y, {x}, [x = x.detach()](const Tensor& dy, InputGrads& dx) {
        if (!dx.needs(0)) return;
        Tensor acc = dx.acc(0);
        // dx += dy * sigmoid(x)   [shape of x]
        xt::noalias(view(acc)) += view(dy) / (1.0f + xt::exp(-view(x)));
    });
}

Tensor softsign(const Tensor& x) {
    Tensor y = map_elements(x, [](float v) { return v / (1.0f + std::abs(v)); });
    return detail::record("softsign", y, {x}, [x = x.detach()](const Tensor& dy, InputGrads& dx) {
        // dx += dy / (1 + |x|)^2   [shape of x]
        const float* in = x.data();
        const float* d = dy.data();
        accumulate(dx, x.size(), [=](std::size_t i) {
            const float q = 1.0f + std::abs(in[i]);
            return d[i] / (q * q);
        });
    });
}

Tensor silu(const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    // y = x * sigmoid(x)
    xt::noalias(view(y)) = view(x) / (1.0f + xt::exp(-view(x)));
    return detail::record("silu", y, {x}, [x = x.detach()](const Tensor& dy, InputGrads& dx) {
        if (!dx.needs(0)) return;
        // s = sigmoid(x); dx += dy * s * (1 + x (1 - s))   [shape of x]
        Tensor s = Tensor::empty(x.shape());
        xt::noalias(view(s)) = 1.0f / (1.0f + xt::exp(-view(x)));
        const float* in = x.data();
        const float* sg = s.data();
        const float* d = dy.data();
        accumulate(dx, x.size(), [=](std::size_t i) { return d[i] * sg[i] * (1.0f + in[i] * (1.0f - sg[i])); });
    });
}

Tensor softmax(const Tensor& x, int axis) {
    const AxisLayout l = layout_along(x, axis, "ops::softmax");
    Tensor y = Tensor::empty(x.shape());
    // y = e^(x - max) / sum e^(x - max) along the axis; exp runs once over the whole buffer
    // (vectorised by xsimd) rather than per short row.
    subtract_max(x, y, l);
    xt::noalias(view(y)) = xt::exp(view(y));
    ColumnStats stats(l);
    for (std::size_t o = 0; o < l.outer; ++o) {
        float* yb = y.data() + o * l.block_size();
        stats.reduce(0.0f, [yb](std::size_t i) { return yb[i]; }, add_op);
        stats.transform([](float total) { return 1.0f / total; });
        stats.for_each([yb](std::size_t i, float inv) { yb[i] *= inv; });
    }
    return detail::record("softmax", y, {x}, [y = y.detach(), l](const Tensor& dy, InputGrads& dx) {
        if (!dx.needs(0)) return;
        // dx += y * (dy - sum_axis(dy * y))   [shape of x]
        float* g = dx.acc(0).data();
        ColumnStats dots(l);
        for (std::size_t o = 0; o < l.outer; ++o) {
            const std::size_t off = o * l.block_size();
            const float* yb = y.data() + off;
            const float* db = dy.data() + off;
            float* gb = g + off;
            dots.reduce(0.0f, [yb, db](std::size_t i) { return db[i] * yb[i]; }, add_op);
            dots.for_each([yb, db, gb](std::size_t i, float dot) { gb[i] += yb[i] * (db[i] - dot); });
        }
    });
}

Tensor log_softmax(const Tensor& x, int axis) {
    const AxisLayout l = layout_along(x, axis, "ops::log_softmax");
    Tensor y = Tensor::empty(x.shape());
    // y = (x - max) - log(sum e^(x - max)) along the axis.
    subtract_max(x, y, l);
    Tensor e = Tensor::empty(x.shape());
    xt::noalias(view(e)) = xt::exp(view(y));
    ColumnStats stats(l);
    for (std::size_t o = 0; o < l.outer; ++o) {
        const std::size_t off = o * l.block_size();
        const float* eb = e.data() + off;
        float* yb = y.data() + off;
        stats.reduce(0.0f, [eb](std::size_t i) { return eb[i]; }, add_op);
        stats.transform([](float total) { return std::log(total); });
        stats.for_each([yb](std::size_t i, float log_total) { yb[i] -= log_total; });
    }
    return detail::record("log_softmax", y, {x}, [y = y.detach(), l](const Tensor& dy, InputGrads& dx) {
        if (!dx.needs(0)) return;
        // dx += dy - e^y * sum_axis(dy)   [shape of x]; e^y is the softmax
        Tensor p = Tensor::empty(y.shape());
        xt::noalias(view(p)) = xt::exp(view(y));
        float* g = dx.acc(0).data();
        ColumnStats totals(l);
        for (std::size_t o = 0; o < l.outer; ++o) {
            const std::size_t off = o * l.block_size();
            const float* pb = p.data() + off;
            const float* db = dy.data() + off;
            float* gb = g + off;
            totals.reduce(0.0f, [db](std::size_t i) { return db[i]; }, add_op);
            totals.for_each([pb, db, gb](std::size_t i, float total) { gb[i] += db[i] - pb[i] * total; });
        }
    });
}

}  // namespace kx::ops
