// 2-D max and average pooling, NHWC. Each output position reduces a window of input pixels; the
// channels are contiguous, so every kernel's inner loop runs over C with unit stride and GCC
// vectorises it (a pooled window is too small for xtensor's fixed cost per expression). Batches are
// split across the thread budget (ops/parallel.hpp).
#include "ops/parallel.hpp"
#include "ops/window.hpp"
#include "tape.hpp"

#include <kerasxx/autograd.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>

namespace kx::ops {

using detail::InputGrads;

namespace {

// Where each output window sits in the input, after TF's padding rule:
// valid: out = floor((in - pool) / stride) + 1;  same: out = ceil(in / stride), with
// pad_total = max((out - 1) * stride + pool - in, 0) split as pad_before = pad_total / 2 (the extra
// one after). Padded positions are skipped, never read: max ignores them and average divides by
// the number of real elements, as Keras does.
struct Geometry {
    std::size_t batch, h, w, c;
    std::size_t out_h, out_w;
    std::size_t pool_h, pool_w, stride_h, stride_w;
    std::size_t pad_top, pad_left;

    // Input rows [begin, end) covered by output row i (likewise columns with window_cols).
    std::pair<std::size_t, std::size_t> window_rows(std::size_t i) const { return clip(i * stride_h, pad_top, pool_h, h); }
    std::pair<std::size_t, std::size_t> window_cols(std::size_t j) const { return clip(j * stride_w, pad_left, pool_w, w); }

private:
    static std::pair<std::size_t, std::size_t> clip(std::size_t start, std::size_t pad, std::size_t pool, std::size_t in) {
        const std::size_t begin = start > pad ? start - pad : 0;
        return {begin, std::min(start + pool - pad, in)};
    }
};

Geometry plan(const char* op, const Tensor& x, Size2 pool, Size2 strides, const std::string& padding) {
    const std::string where = std::string("ops::") + op + ": ";
    if (x.rank() != 4)
        throw Error(where + "expected input of rank 4 (batch, height, width, channels), got shape " + to_string(x.shape()));
    if (pool.h == 0 || pool.w == 0)
        throw Error(where + "expected a positive pool_size, got " + detail::size2_string(pool));
    if (strides.h == 0 || strides.w == 0)
        throw Error(where + "expected positive strides, got " + detail::size2_string(strides));
    if (padding != "valid" && padding != "same")
        throw Error(where + "unknown padding '" + padding + "'; expected one of: valid, same");
    const Shape& s = x.shape();
    Geometry g{s[0], s[1], s[2], s[3], 0, 0, pool.h, pool.w, strides.h, strides.w, 0, 0};
    const bool same = padding == "same";
    if (!same && (pool.h > g.h || pool.w > g.w))
        throw Error(where + "pool_size " + detail::size2_string(pool) + " is larger than the input's spatial size (" +
                    std::to_string(g.h) + ", " + std::to_string(g.w) + ") in input of shape " + to_string(s) +
                    " with padding 'valid'; use padding 'same' or a smaller pool");
    const detail::WindowAxis rows = detail::window_axis(g.h, pool.h, strides.h, 1, same);
    const detail::WindowAxis cols = detail::window_axis(g.w, pool.w, strides.w, 1, same);
    g.out_h = rows.out;
    g.out_w = cols.out;
    g.pad_top = rows.pad_before;
    g.pad_left = cols.pad_before;
    // The backward kernel of max pooling stores argmax positions as 32-bit pixel indices.
    if (g.h * g.w > std::numeric_limits<std::uint32_t>::max())
        throw Error(where + "input of shape " + to_string(s) + " has more than 2^32 pixels per image");
    return g;
}

// Splits the batch across the thread budget: images are independent in both directions (a
// window never spans two images). Small inputs stay on the calling thread.
template <class F>
void for_each_image_range(const Geometry& g, F&& body) {
    constexpr std::size_t min_floats_per_thread = 1 << 15;
    const std::size_t image = std::max<std::size_t>(g.h * g.w * g.c, 1);
    const std::size_t grain = std::max<std::size_t>(1, min_floats_per_thread / image);
    detail::parallel_for(g.batch, grain, body);
}

// y[c] = max over the window of x[., ., c], and, when TrackArgmax, arg[c] = the pixel (row * W + col)
// holding it: the first maximum in row-major window order; a NaN wins and stays, as in PyTorch.
template <bool TrackArgmax>
void max_pool_forward(const Geometry& g, std::size_t n0, std::size_t n1, const float* x, float* y, std::uint32_t* arg) {
    const std::size_t c = g.c, out_image = g.out_h * g.out_w * c;
    y += n0 * out_image;
    if constexpr (TrackArgmax) arg += n0 * out_image;
    for (std::size_t n = n0; n < n1; ++n) {
        const float* image = x + n * g.h * g.w * c;
        for (std::size_t i = 0; i < g.out_h; ++i) {
            const auto [r0, r1] = g.window_rows(i);
            for (std::size_t j = 0; j < g.out_w; ++j) {
                const auto [c0, c1] = g.window_cols(j);
                std::copy_n(image + (r0 * g.w + c0) * c, c, y);
                if constexpr (TrackArgmax) std::fill_n(arg, c, static_cast<std::uint32_t>(r0 * g.w + c0));
                for (std::size_t r = r0; r < r1; ++r) {
                    for (std::size_t col = (r == r0 ? c0 + 1 : c0); col < c1; ++col) {
                        const float* px = image + (r * g.w + col) * c;
                        const auto pixel = static_cast<std::uint32_t>(r * g.w + col);
                        for (std::size_t k = 0; k < c; ++k) {
                            const bool take = px[k] > y[k] || (px[k] != px[k] && y[k] == y[k]);
                            // Blended with a mask, not ?:, which GCC turns into branchy masked stores (4x slower).
                            const std::uint32_t m = 0u - static_cast<std::uint32_t>(take);
                            y[k] = std::bit_cast<float>((std::bit_cast<std::uint32_t>(y[k]) & ~m) |
                                                        (std::bit_cast<std::uint32_t>(px[k]) & m));
                            if constexpr (TrackArgmax) arg[k] = (arg[k] & ~m) | (pixel & m);
                        }
                    }
                }
                y += c;
                if constexpr (TrackArgmax) arg += c;
            }
        }
    }
}

// Forward: y[c] = (sum over the window's real pixels of x[., ., c]) / their count. Backward walks
// the same windows and spreads dy back: dx[window, c] += dy[c] / count.
template <bool Backward>
void avg_pool_walk(const Geometry& g, std::size_t n0, std::size_t n1, const float* src, float* dst) {
    const std::size_t c = g.c;
    for (std::size_t n = n0; n < n1; ++n) {
        const std::size_t image = n * g.h * g.w * c;
        for (std::size_t i = 0; i < g.out_h; ++i) {
            const auto [r0, r1] = g.window_rows(i);
            for (std::size_t j = 0; j < g.out_w; ++j) {
                const auto [c0, c1] = g.window_cols(j);
                const float scale = 1.0f / static_cast<float>((r1 - r0) * (c1 - c0));
                const std::size_t out = ((n * g.out_h + i) * g.out_w + j) * c;
                if constexpr (Backward) {
                    // dx[r, col, :] += dy[i, j, :] / count   [C] per window pixel
                    const float* dy = src + out;
                    for (std::size_t r = r0; r < r1; ++r)
                        for (std::size_t col = c0; col < c1; ++col) {
                            float* dx = dst + image + (r * g.w + col) * c;
                            for (std::size_t k = 0; k < c; ++k) dx[k] += dy[k] * scale;
                        }
                } else {
                    // y[i, j, :] = sum of x[window, :] / count   [C]
                    float* y = dst + out;
                    std::fill_n(y, c, 0.0f);
                    for (std::size_t r = r0; r < r1; ++r)
                        for (std::size_t col = c0; col < c1; ++col) {
                            const float* x = src + image + (r * g.w + col) * c;
                            for (std::size_t k = 0; k < c; ++k) y[k] += x[k];
                        }
                    for (std::size_t k = 0; k < c; ++k) y[k] *= scale;
                }
            }
        }
    }
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, const std::string& padding) {
    const Geometry g = plan("max_pool2d", x, pool_size, strides, padding);
    Tensor y = Tensor::empty({g.batch, g.out_h, g.out_w, g.c});
    // Without a tape (predict, evaluate) the argmax is not needed: the plain max kernel is faster.
    const float* px = x.data();
    float* py = y.data();
    if (!(grad_enabled() && x.requires_grad())) {
        for_each_image_range(g, [&](std::size_t n0, std::size_t n1) { max_pool_forward<false>(g, n0, n1, px, py, nullptr); });
        return y;
    }
    // Uninitialised (every entry is written): zero-filling it would cost as much as the pooling.
    const std::shared_ptr<std::uint32_t[]> argmax(new std::uint32_t[y.size()]);
    std::uint32_t* parg = argmax.get();
    for_each_image_range(g, [&](std::size_t n0, std::size_t n1) { max_pool_forward<true>(g, n0, n1, px, py, parg); });
    return detail::record("max_pool2d", y, {x}, [g, argmax](const Tensor& dy, InputGrads& dx) {
        // dx[n, argmax[n, i, j, c], c] += dy[n, i, j, c]   [B, H, W, C]: each window's gradient to its first max
        float* gx = dx.acc(0).data();
        const float* pdy = dy.data();
        const std::uint32_t* arg = argmax.get();
        const std::size_t c = g.c, per_image = g.out_h * g.out_w * c;
        for_each_image_range(g, [&](std::size_t n0, std::size_t n1) {
            for (std::size_t n = n0; n < n1; ++n) {
                float* image = gx + n * g.h * g.w * c;
                for (std::size_t o = n * per_image; o < (n + 1) * per_image; o += c)
                    for (std::size_t k = 0; k < c; ++k) image[arg[o + k] * c + k] += pdy[o + k];
            }
        });
    });
}

Tensor avg_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, const std::string& padding) {
    const Geometry g = plan("avg_pool2d", x, pool_size, strides, padding);
    Tensor y = Tensor::empty({g.batch, g.out_h, g.out_w, g.c});
    const float* px = x.data();
    float* py = y.data();
    for_each_image_range(g, [&](std::size_t n0, std::size_t n1) { avg_pool_walk<false>(g, n0, n1, px, py); });
    return detail::record("avg_pool2d", y, {x}, [g](const Tensor& dy, InputGrads& dx) {
        const float* pdy = dy.data();
        float* gx = dx.acc(0).data();
        for_each_image_range(g, [&](std::size_t n0, std::size_t n1) { avg_pool_walk<true>(g, n0, n1, pdy, gx); });
    });
}

}  // namespace kx::ops
