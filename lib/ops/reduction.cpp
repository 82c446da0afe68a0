// Reductions over axes. A reduction is a broadcast run backwards: x reduces into a "keepdims"
// shape (1 along the reduced axes), and the gradient broadcasts from that shape back to x.
#include "ops/broadcast.hpp"
#include "ops/axes.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <cmath>
#include <limits>

namespace kx::ops {

using detail::InputGrads;
using detail::axes_string;
using detail::normalize_axis;

namespace {
// The shapes of a reduction of `shape` over `axes` (all when empty).
struct Reduction {
    Shape keep;          // reduced axes set to 1: x broadcasts from it
    Shape out;           // the result: keep, or keep without the reduced axes
    std::size_t count;   // elements reduced into each output element
};

Reduction plan(const char* op, const Shape& shape, const Axes& axes, bool keepdims) {
    std::vector<bool> reduced(shape.size(), axes.empty());
    for (int axis : axes) {
        const std::size_t a = normalize_axis(op, axis, shape);
        if (reduced[a])
            throw Error(std::string(op) + ": duplicate axis " + std::to_string(axis) + " in axes " + axes_string(axes) +
                        " for shape " + to_string(shape));
        reduced[a] = true;
    }
    Reduction r{shape, {}, 1};
    for (std::size_t a = 0; a < shape.size(); ++a) {
        if (reduced[a]) {
            r.count *= shape[a];
            r.keep[a] = 1;
        }
        if (!reduced[a] || keepdims) r.out.push_back(r.keep[a]);
    }
    return r;
}

// y = scale * sum of x over the reduced axes   [r.out]
Tensor scaled_sum(const Tensor& x, const Reduction& r, float scale) {
    Tensor y(r.out);
    detail::add_sum_as(y.reshaped(r.keep), x, scale);
    return y;
}

// dx += scale * broadcast(dy)   [shape of x] = [r.keep] broadcast
void add_broadcast(InputGrads& dx, const Tensor& dy, const Shape& keep, float scale) {
    Tensor g = dx.acc(0);
    detail::broadcast_apply(g, g, dy.reshaped(keep), [scale](float& o, float, float v) { o += scale * v; });
}
}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdims) {
    const Reduction r = plan("ops::sum", x.shape(), axes, keepdims);
    Tensor y = scaled_sum(x, r, 1.0f);
    return detail::record("sum", y, {x}, [keep = r.keep](const Tensor& dy, InputGrads& dx) {
        // dx = broadcast(dy)   [shape of x]
        add_broadcast(dx, dy, keep, 1.0f);
    });
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdims) {
    const Reduction r = plan("ops::mean", x.shape(), axes, keepdims);
    const float scale = 1.0f / static_cast<float>(r.count);   // an empty mean is NaN, as in numpy
    Tensor y = scaled_sum(x, r, scale);
    return detail::record("mean", y, {x}, [keep = r.keep, scale](const Tensor& dy, InputGrads& dx) {
        // dx = broadcast(dy) / count   [shape of x]
        add_broadcast(dx, dy, keep, scale);
    });
}

Tensor max(const Tensor& x, const Axes& axes, bool keepdims) {
    const Reduction r = plan("ops::max", x.shape(), axes, keepdims);
    if (r.count == 0)
        throw Error("ops::max: cannot take the max over a zero-size axis (shape " + to_string(x.shape()) + ")");
    Tensor y = Tensor::empty(r.out);
    // Scans x in row-major order, so a strict > keeps the first maximum of each group; a NaN wins
    // over numbers, so NaN propagates as in numpy.
    constexpr std::size_t unset = std::numeric_limits<std::size_t>::max();
    std::vector<std::size_t> argmax(y.size(), unset);
    float* best = y.data();
    const float* px = x.data();
    auto visit = [&](std::size_t out, std::size_t i) {
        const float v = px[i];
        if (argmax[out] == unset || v > best[out] || (std::isnan(v) && !std::isnan(best[out]))) {
            best[out] = v;
            argmax[out] = i;
        }
    };
    const detail::Strides s_out = detail::broadcast_strides(r.keep, x.shape());
    detail::StridedLoop<1>(x.shape(), {&s_out}).run([&](std::size_t xo, const auto& off, std::size_t n, const auto& s) {
        const auto o = static_cast<std::size_t>(off[0]);
        for (std::size_t j = 0; j < n; ++j) visit(o + (s[0] ? j : 0), xo + j);
    });
    return detail::record("max", y, {x}, [argmax = std::move(argmax)](const Tensor& dy, InputGrads& dx) {
        // dx[argmax[k]] += dy[k]   [shape of x]: all of each output's gradient to its first maximum
        Tensor g = dx.acc(0);
        float* pg = g.data();
        const float* pdy = dy.data();
        for (std::size_t k = 0; k < argmax.size(); ++k) pg[argmax[k]] += pdy[k];
    });
}

}  // namespace kx::ops
