// 2-D convolution, channels_last, as im2col + one GEMM: each output pixel's receptive field is
// copied into a row of a (B*OH*OW, kh*kw*C) matrix, which Keras' (kh, kw, C, F) kernel multiplies
// as a (kh*kw*C, F) matrix without any reordering. The backward pass is two more GEMMs and a
// scatter-add (col2im) of the patch gradients back onto the input.
#include "blas.hpp"
#include "ops/window.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace kx::ops {

using detail::InputGrads;

namespace {
struct Geometry {
    std::size_t batch, in_h, in_w, channels;
    std::size_t k_h, k_w, filters;
    std::size_t stride_h, stride_w, dil_h, dil_w;
    std::size_t out_h, out_w;
    std::ptrdiff_t pad_top, pad_left;

    std::size_t rows() const { return batch * out_h * out_w; }    // one per output pixel
    std::size_t patch() const { return k_h * k_w * channels; }    // one receptive field
    // A 1x1 kernel with unit strides and no padding reads x itself as the patch matrix.
    bool patches_are_input() const {
        return k_h == 1 && k_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 && pad_left == 0;
    }
};

Geometry geometry(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides, const std::string& padding,
                  Size2 dilation_rate) {
    if (x.rank() != 4 || kernel.rank() != 4)
        throw Error("ops::conv2d: expected x of rank 4 (batch, height, width, channels) and kernel of rank 4 "
                    "(kernel_h, kernel_w, channels, filters), got shapes " + to_string(x.shape()) + " and " +
                    to_string(kernel.shape()));
    const Shape& xs = x.shape();
    const Shape& ks = kernel.shape();
    if (ks[0] == 0 || ks[1] == 0 || ks[3] == 0)
        throw Error("ops::conv2d: expected a kernel of positive size, got shape " + to_string(ks));
    if (xs[3] != ks[2])
        throw Error("ops::conv2d: x " + to_string(xs) + " has " + std::to_string(xs[3]) + " channels but kernel " +
                    to_string(ks) + " expects " + std::to_string(ks[2]) + " (its third dimension)");
    if (bias.defined() && bias.shape() != Shape{ks[3]})
        throw Error("ops::conv2d: expected bias of shape " + to_string(Shape{ks[3]}) + " (one per filter), got " +
                    to_string(bias.shape()));
    if (strides.h == 0 || strides.w == 0)
        throw Error("ops::conv2d: expected positive strides, got " + detail::size2_string(strides));
    if (dilation_rate.h == 0 || dilation_rate.w == 0)
        throw Error("ops::conv2d: expected a positive dilation_rate, got " + detail::size2_string(dilation_rate));
    if (padding != "valid" && padding != "same")
        throw Error("ops::conv2d: unknown padding '" + padding + "'; expected 'valid' or 'same'");
    const bool same = padding == "same";
    const std::size_t span_h = (ks[0] - 1) * dilation_rate.h + 1, span_w = (ks[1] - 1) * dilation_rate.w + 1;
    if (!same && (span_h > xs[1] || span_w > xs[2]))
        throw Error("ops::conv2d: kernel " + detail::size2_string({ks[0], ks[1]}) + " with dilation " +
                    detail::size2_string(dilation_rate) + " is larger than the input " +
                    detail::size2_string({xs[1], xs[2]}) + " with padding 'valid'");

    Geometry g{.batch = xs[0], .in_h = xs[1], .in_w = xs[2], .channels = xs[3],
               .k_h = ks[0], .k_w = ks[1], .filters = ks[3],
               .stride_h = strides.h, .stride_w = strides.w, .dil_h = dilation_rate.h, .dil_w = dilation_rate.w,
               .out_h = 0, .out_w = 0, .pad_top = 0, .pad_left = 0};
    const detail::WindowAxis rows = detail::window_axis(g.in_h, g.k_h, g.stride_h, g.dil_h, same);
    const detail::WindowAxis cols = detail::window_axis(g.in_w, g.k_w, g.stride_w, g.dil_w, same);
    g.out_h = rows.out;
    g.out_w = cols.out;
    g.pad_top = static_cast<std::ptrdiff_t>(rows.pad_before);
    g.pad_left = static_cast<std::ptrdiff_t>(cols.pad_before);
    return g;
}

// Visits every (patch row, kernel row i) segment of the patch matrix: `row` points into the image
// row it reads (null when that row is padding), `iw0` is the input column of kernel column 0.
// Shared by im2col and col2im so that both walk the exact same geometry.
template <class Segment>
void for_each_segment(const Geometry& g, Segment&& segment) {
    const std::size_t seg = g.k_w * g.channels;
    std::size_t offset = 0;   // into the patch matrix
    for (std::size_t b = 0; b < g.batch; ++b)
        for (std::size_t oh = 0; oh < g.out_h; ++oh)
            for (std::size_t ow = 0; ow < g.out_w; ++ow) {
                const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow * g.stride_w) - g.pad_left;
                for (std::size_t i = 0; i < g.k_h; ++i, offset += seg) {
                    const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * g.stride_h + i * g.dil_h) - g.pad_top;
                    const bool inside = ih >= 0 && ih < static_cast<std::ptrdiff_t>(g.in_h);
                    const std::size_t image_row = inside ? (b * g.in_h + static_cast<std::size_t>(ih)) * g.in_w : 0;
                    segment(offset, inside, image_row, iw0);
                }
            }
}

// cols[(b, oh, ow), (i, j, c)] = x[b, oh*sh + i*dh - pad_top, ow*sw + j*dw - pad_left, c], 0 in the padding.
void im2col(const Geometry& g, const float* x, float* cols) {
    const std::size_t c = g.channels, seg = g.k_w * c;
    const auto in_w = static_cast<std::ptrdiff_t>(g.in_w);
    for_each_segment(g, [&](std::size_t offset, bool inside, std::size_t image_row, std::ptrdiff_t iw0) {
        float* out = cols + offset;
        if (!inside) {
            std::fill_n(out, seg, 0.0f);
            return;
        }
        const float* row = x + image_row * c;
        // Unit dilation and no padding on this segment: the kw pixels are one contiguous run.
        if (g.dil_w == 1 && iw0 >= 0 && iw0 + static_cast<std::ptrdiff_t>(g.k_w) <= in_w) {
            std::memcpy(out, row + static_cast<std::size_t>(iw0) * c, seg * sizeof(float));
            return;
        }
        for (std::size_t j = 0; j < g.k_w; ++j, out += c) {
            const std::ptrdiff_t iw = iw0 + static_cast<std::ptrdiff_t>(j * g.dil_w);
            if (iw >= 0 && iw < in_w) std::memcpy(out, row + static_cast<std::size_t>(iw) * c, c * sizeof(float));
            else std::fill_n(out, c, 0.0f);
        }
    });
}

// The adjoint of im2col: dx[b, ih, iw, c] += dcols[(b, oh, ow), (i, j, c)] for every patch that read it.
void col2im_add(const Geometry& g, const float* dcols, float* dx) {
    const std::size_t c = g.channels, seg = g.k_w * c;
    const auto in_w = static_cast<std::ptrdiff_t>(g.in_w);
    for_each_segment(g, [&](std::size_t offset, bool inside, std::size_t image_row, std::ptrdiff_t iw0) {
        if (!inside) return;
        const float* src = dcols + offset;
        float* row = dx + image_row * c;
        if (g.dil_w == 1 && iw0 >= 0 && iw0 + static_cast<std::ptrdiff_t>(g.k_w) <= in_w) {
            float* dst = row + static_cast<std::size_t>(iw0) * c;
            for (std::size_t k = 0; k < seg; ++k) dst[k] += src[k];
            return;
        }
        for (std::size_t j = 0; j < g.k_w; ++j, src += c) {
            const std::ptrdiff_t iw = iw0 + static_cast<std::ptrdiff_t>(j * g.dil_w);
            if (iw < 0 || iw >= in_w) continue;
            float* dst = row + static_cast<std::size_t>(iw) * c;
            for (std::size_t k = 0; k < c; ++k) dst[k] += src[k];
        }
    });
}
}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides, const std::string& padding,
              Size2 dilation_rate) {
    const Geometry g = geometry(x, kernel, bias, strides, padding, dilation_rate);
    const std::size_t n = g.rows(), k = g.patch(), f = g.filters;

    Tensor cols = x.detach();
    if (!g.patches_are_input()) {
        cols = Tensor::empty({n, k});
        im2col(g, x.data(), cols.data());
    }
    Tensor y = Tensor::empty({g.batch, g.out_h, g.out_w, f});
    float* out = y.data();
    // Y = cols . W + b   [N, F] = [N, kh*kw*C].[kh*kw*C, F] + [F]: b is pre-filled, GEMM adds (beta = 1).
    if (bias.defined())
        for (std::size_t r = 0; r < n; ++r) std::copy_n(bias.data(), f, out + r * f);
    detail::sgemm(false, false, n, f, k, 1.0f, cols.data(), kernel.data(), bias.defined() ? 1.0f : 0.0f, out);

    std::vector<Tensor> inputs{x, kernel};
    if (bias.defined()) inputs.push_back(bias);
    return detail::record("conv2d", y, std::move(inputs),
                          [g, cols = cols.detach(), w = kernel.detach(), has_bias = bias.defined()](
                              const Tensor& dy, InputGrads& dx) {
        const std::size_t n = g.rows(), k = g.patch(), f = g.filters;
        if (dx.needs(0)) {
            if (g.patches_are_input()) {
                // dX = dY . W^T   [N, C] = [N, F].[F, C]
                detail::sgemm(false, true, n, k, f, 1.0f, dy.data(), w.data(), 1.0f, dx.acc(0).data());
            } else {
                // dcols = dY . W^T   [N, kh*kw*C] = [N, F].[F, kh*kw*C], then scattered back onto x.
                Tensor dcols = Tensor::empty({n, k});
                detail::sgemm(false, true, n, k, f, 1.0f, dy.data(), w.data(), 0.0f, dcols.data());
                col2im_add(g, dcols.data(), dx.acc(0).data());
            }
        }
        // dW = cols^T . dY   [kh*kw*C, F] = [kh*kw*C, N].[N, F]
        if (dx.needs(1)) detail::sgemm(true, false, k, f, n, 1.0f, cols.data(), dy.data(), 1.0f, dx.acc(1).data());
        // db = sum of dY over batch and pixels   [F]
        if (has_bias && dx.needs(2)) {
            float* db = dx.acc(2).data();
            const float* d = dy.data();
            for (std::size_t r = 0; r < n; ++r)
                for (std::size_t j = 0; j < f; ++j) db[j] += d[r * f + j];
        }
    });
}

}  // namespace kx::ops
