// Depthwise 2-D convolution, NHWC. Each channel has its own small filters, so there is no
// reduction over channels for a GEMM to exploit: the kernels loop directly over output pixels and
// the kernel taps inside the input, and the innermost loop runs over the contiguous channels
// (times the depth multiplier). The forward pass at depth_multiplier 1 sums the taps in xsimd
// registers; the other loops are plain ones that GCC vectorises.
#include "ops/conv_checks.hpp"
#include "ops/window.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace kx::ops {

using detail::InputGrads;

namespace {

struct Geometry {
    std::size_t batch, in_h, in_w, channels, multiplier;
    std::size_t k_h, k_w;
    std::size_t stride_h, stride_w, dil_h, dil_w;
    std::size_t out_h, out_w;
    std::size_t pad_top, pad_left;

    std::size_t out_channels() const { return channels * multiplier; }
};

Geometry geometry(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides, const std::string& padding,
                  Size2 dilation_rate) {
    const std::string where = "ops::depthwise_conv2d: ";
    detail::require_conv_ranks(where, x, kernel, "(kernel_h, kernel_w, channels, depth_multiplier)");
    const Shape& xs = x.shape();
    const Shape& ks = kernel.shape();
    if (ks[0] == 0 || ks[1] == 0 || ks[3] == 0)
        throw Error(where + "expected a kernel of positive size, got shape " + to_string(ks));
    detail::require_conv_channels(where, xs, ks, 2, "third");
    detail::require_conv_bias(where, bias, ks[2] * ks[3], "channels * depth_multiplier");
    detail::require_conv_window(where, strides, padding, dilation_rate);
    const bool same = padding == "same";
    const detail::WindowAxis rows = detail::window_axis(xs[1], ks[0], strides.h, dilation_rate.h, same);
    const detail::WindowAxis cols = detail::window_axis(xs[2], ks[1], strides.w, dilation_rate.w, same);
    if (!same && (rows.out == 0 || cols.out == 0))
        throw Error(where + "kernel " + detail::size2_string({ks[0], ks[1]}) + " with dilation " +
                    detail::size2_string(dilation_rate) + " is larger than the input " +
                    detail::size2_string({xs[1], xs[2]}) + " with padding 'valid'");
    return {.batch = xs[0], .in_h = xs[1], .in_w = xs[2], .channels = xs[3], .multiplier = ks[3],
            .k_h = ks[0], .k_w = ks[1],
            .stride_h = strides.h, .stride_w = strides.w, .dil_h = dilation_rate.h, .dil_w = dilation_rate.w,
            .out_h = rows.out, .out_w = cols.out, .pad_top = rows.pad_before, .pad_left = cols.pad_before};
}

struct Tap {
    std::size_t in_pixel;   // flat index over (batch, height, width) of the input pixel it reads
    std::size_t index;      // u * kw + v: which kernel slice multiplies it
};

// Calls visit(out_pixel, taps, count) for every output pixel (flat over batch, height, width) with
// the kernel taps (u, v) that land inside the input; taps on the padding read zeros and are left out.
template <class Visit>
void for_each_output_pixel(const Geometry& g, Visit&& visit) {
    std::vector<Tap> taps(g.k_h * g.k_w);
    const auto in_h = static_cast<std::ptrdiff_t>(g.in_h), in_w = static_cast<std::ptrdiff_t>(g.in_w);
    std::size_t out_pixel = 0;
    for (std::size_t b = 0; b < g.batch; ++b)
        for (std::size_t oh = 0; oh < g.out_h; ++oh)
            for (std::size_t ow = 0; ow < g.out_w; ++ow, ++out_pixel) {
                std::size_t count = 0;
                for (std::size_t u = 0; u < g.k_h; ++u) {
                    const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * g.stride_h + u * g.dil_h) -
                                              static_cast<std::ptrdiff_t>(g.pad_top);
                    if (ih < 0 || ih >= in_h) continue;
                    for (std::size_t v = 0; v < g.k_w; ++v) {
                        const std::ptrdiff_t iw = static_cast<std::ptrdiff_t>(ow * g.stride_w + v * g.dil_w) -
                                                  static_cast<std::ptrdiff_t>(g.pad_left);
                        if (iw < 0 || iw >= in_w) continue;
                        const std::size_t row = b * g.in_h + static_cast<std::size_t>(ih);
                        taps[count++] = {row * g.in_w + static_cast<std::size_t>(iw), u * g.k_w + v};
                    }
                }
                visit(out_pixel, taps.data(), count);
            }
}

// acc[k] += a[k] * b[k], the inner loop of the kernels at depth_multiplier 1 (the common case).
// The buffers never overlap; saying so lets GCC vectorise without runtime overlap checks.
void multiply_add(float* __restrict acc, const float* __restrict a, const float* __restrict b, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) acc[k] += a[k] * b[k];
}

// One output pixel at depth_multiplier 1: y[k] += sum over taps of x[q, k] * W[t, k]. Blocks of
// channels are summed over all taps in registers and stored once; adding into y tap by tap chains
// a store and a reload of y per tap instead (about 2x slower on 3x3 kernels, 64 channels, measured).
void depthwise_pixel(float* y, const float* x, const float* w, const Tap* taps, std::size_t count, std::size_t c) {
    using Batch = xsimd::batch<float>;
    constexpr std::size_t lanes = Batch::size, block = 4 * lanes;
    std::size_t k0 = 0;
    for (; k0 + block <= c; k0 += block) {
        Batch a0 = Batch::load_unaligned(y + k0), a1 = Batch::load_unaligned(y + k0 + lanes),
              a2 = Batch::load_unaligned(y + k0 + 2 * lanes), a3 = Batch::load_unaligned(y + k0 + 3 * lanes);
        for (std::size_t i = 0; i < count; ++i) {
            const float* xq = x + taps[i].in_pixel * c + k0;
            const float* wt = w + taps[i].index * c + k0;
            a0 = xsimd::fma(Batch::load_unaligned(xq), Batch::load_unaligned(wt), a0);
            a1 = xsimd::fma(Batch::load_unaligned(xq + lanes), Batch::load_unaligned(wt + lanes), a1);
            a2 = xsimd::fma(Batch::load_unaligned(xq + 2 * lanes), Batch::load_unaligned(wt + 2 * lanes), a2);
            a3 = xsimd::fma(Batch::load_unaligned(xq + 3 * lanes), Batch::load_unaligned(wt + 3 * lanes), a3);
        }
        a0.store_unaligned(y + k0);
        a1.store_unaligned(y + k0 + lanes);
        a2.store_unaligned(y + k0 + 2 * lanes);
        a3.store_unaligned(y + k0 + 3 * lanes);
    }
    for (std::size_t i = 0; k0 < c && i < count; ++i)
        multiply_add(y + k0, x + taps[i].in_pixel * c + k0, w + taps[i].index * c + k0, c - k0);
}

}  // namespace

Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides,
                        const std::string& padding, Size2 dilation_rate) {
    const Geometry g = geometry(x, kernel, bias, strides, padding, dilation_rate);
    const std::size_t c = g.channels, m = g.multiplier, cm = g.out_channels();

    Tensor y = Tensor::empty({g.batch, g.out_h, g.out_w, cm});
    float* out = y.data();
    const float* in = x.data();
    const float* w = kernel.data();
    const float* b = bias.defined() ? bias.data() : nullptr;
    // y[p, c*M + m] = b[c*M + m] + sum over taps (u, v) of x[q, c] * W[u, v, c, m], q the input pixel the tap reads
    for_each_output_pixel(g, [&](std::size_t p, const Tap* taps, std::size_t count) {
        float* yp = out + p * cm;
        if (b) std::copy_n(b, cm, yp);
        else std::fill_n(yp, cm, 0.0f);
        if (m == 1) return depthwise_pixel(yp, in, w, taps, count, c);
        for (std::size_t i = 0; i < count; ++i) {
            const float* xq = in + taps[i].in_pixel * c;
            const float* wt = w + taps[i].index * cm;
            for (std::size_t k = 0; k < c; ++k)
                for (std::size_t j = 0; j < m; ++j) yp[k * m + j] += xq[k] * wt[k * m + j];
        }
    });

    std::vector<Tensor> inputs{x, kernel};
    if (bias.defined()) inputs.push_back(bias);
    return detail::record("depthwise_conv2d", y, std::move(inputs),
                          [g, x = x.detach(), w = kernel.detach(), has_bias = bias.defined()](const Tensor& dy,
                                                                                              InputGrads& dx) {
        const std::size_t c = g.channels, m = g.multiplier, cm = g.out_channels();
        const float* d = dy.data();
        // dX[q, c] += sum_m dY[p, c*M + m] * W[u, v, c, m]   [pixels, C]
        if (dx.needs(0)) {
            float* dxp = dx.acc(0).data();
            const float* wp = w.data();
            for_each_output_pixel(g, [&](std::size_t p, const Tap* taps, std::size_t count) {
                const float* dyp = d + p * cm;
                for (std::size_t i = 0; i < count; ++i) {
                    const float* wt = wp + taps[i].index * cm;
                    float* dxq = dxp + taps[i].in_pixel * c;
                    if (m == 1) {
                        multiply_add(dxq, dyp, wt, c);
                        continue;
                    }
                    for (std::size_t k = 0; k < c; ++k) {
                        float s = 0.0f;
                        for (std::size_t j = 0; j < m; ++j) s += dyp[k * m + j] * wt[k * m + j];
                        dxq[k] += s;
                    }
                }
            });
        }
        // dW[u, v, c, m] += x[q, c] * dY[p, c*M + m]   [kh, kw, C, M]
        if (dx.needs(1)) {
            float* dw = dx.acc(1).data();
            const float* xp = x.data();
            for_each_output_pixel(g, [&](std::size_t p, const Tap* taps, std::size_t count) {
                const float* dyp = d + p * cm;
                for (std::size_t i = 0; i < count; ++i) {
                    const float* xq = xp + taps[i].in_pixel * c;
                    float* dwt = dw + taps[i].index * cm;
                    if (m == 1) {
                        multiply_add(dwt, xq, dyp, c);
                        continue;
                    }
                    for (std::size_t k = 0; k < c; ++k)
                        for (std::size_t j = 0; j < m; ++j) dwt[k * m + j] += xq[k] * dyp[k * m + j];
                }
            });
        }
        // db = sum of dY over batch and pixels   [C*M]
        if (has_bias && dx.needs(2)) {
            float* db = dx.acc(2).data();
            const std::size_t out_pixels = dy.size() / cm;
            for (std::size_t p = 0; p < out_pixels; ++p)
                for (std::size_t k = 0; k < cm; ++k) db[k] += d[p * cm + k];
        }
    });
}

}  // namespace kx::ops
