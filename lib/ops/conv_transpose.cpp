// Transposed 2-D convolution, NHWC: conv2d run backwards. Every input pixel spreads its channels
// over a kernel-sized window of the output, so the forward pass is one GEMM that computes all the
// windows, X . W^T as a (pixels, kh*kw*filters) matrix, and a scatter-add of those windows onto the
// output. The backward pass gathers each input pixel's window of dY back into that matrix layout
// and needs two more GEMMs. Keras' (kh, kw, filters, channels) kernel is that (kh*kw*filters,
// channels) matrix as stored, so no reordering happens anywhere.
#include "blas.hpp"
#include "ops/conv_checks.hpp"
#include "ops/window.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace kx::ops {

using detail::InputGrads;

namespace {

struct Axis {
    std::size_t out;   // output length
    std::size_t pad;   // output positions cut off before the first one (the "same" padding)
};

// The padding is what TF's conv2d would put before an input of length `out` to produce `in`
// outputs, which is where TF's gradient (and Keras' JAX backend) places it.
Axis transposed_axis(std::size_t in, std::size_t kernel, std::size_t stride, std::size_t dilation, bool same,
                     std::optional<std::size_t> output_padding) {
    const std::size_t out = conv_transpose_output_length(in, kernel, stride, same ? "same" : "valid", output_padding,
                                                         dilation);
    const std::size_t needed = (in - 1) * stride + (kernel - 1) * dilation + 1;
    return {out, same && needed > out ? (needed - out) / 2 : 0};
}

struct Geometry {
    std::size_t batch, in_h, in_w, channels;
    std::size_t k_h, k_w, filters;
    std::size_t stride_h, stride_w, dil_h, dil_w;
    std::size_t out_h, out_w;
    std::size_t pad_top, pad_left;

    std::size_t pixels() const { return batch * in_h * in_w; }   // rows of the window matrix
    std::size_t window() const { return k_h * k_w * filters; }    // its columns
    // A 1x1 kernel at stride 1 maps each input pixel to the same output pixel: Y = X . W^T.
    bool pointwise() const { return k_h == 1 && k_w == 1 && stride_h == 1 && stride_w == 1; }
};

Geometry geometry(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides, const std::string& padding,
                  std::optional<Size2> output_padding, Size2 dilation_rate) {
    const std::string where = "ops::conv2d_transpose: ";
    detail::require_conv_ranks(where, x, kernel, "(kernel_h, kernel_w, filters, channels)");
    const Shape& xs = x.shape();
    const Shape& ks = kernel.shape();
    if (ks[0] == 0 || ks[1] == 0 || ks[2] == 0)
        throw Error(where + "expected a kernel of positive size, got shape " + to_string(ks));
    if (xs[1] == 0 || xs[2] == 0)
        throw Error(where + "expected an input of positive height and width, got shape " + to_string(xs));
    detail::require_conv_channels(where, xs, ks, 3, "last");
    detail::require_conv_bias(where, bias, ks[2], "one per filter");
    detail::require_conv_window(where, strides, padding, dilation_rate);
    if (output_padding && (output_padding->h >= strides.h || output_padding->w >= strides.w))
        throw Error(where + "expected output_padding smaller than strides, got output_padding " +
                    detail::size2_string(*output_padding) + " with strides " + detail::size2_string(strides));

    const bool same = padding == "same";
    std::optional<std::size_t> extra_h, extra_w;
    if (output_padding) {
        extra_h = output_padding->h;
        extra_w = output_padding->w;
    }
    const Axis rows = transposed_axis(xs[1], ks[0], strides.h, dilation_rate.h, same, extra_h);
    const Axis cols = transposed_axis(xs[2], ks[1], strides.w, dilation_rate.w, same, extra_w);
    // An even kernel with "same" padding and output_padding 0 shrinks a 1-pixel input to nothing.
    if (rows.out == 0 || cols.out == 0)
        throw Error(where + "x " + to_string(xs) + " with kernel " + to_string(ks) + ", padding 'same' and "
                    "output_padding " + detail::size2_string(*output_padding) + " gives an empty output");
    return {.batch = xs[0], .in_h = xs[1], .in_w = xs[2], .channels = xs[3],
            .k_h = ks[0], .k_w = ks[1], .filters = ks[2],
            .stride_h = strides.h, .stride_w = strides.w, .dil_h = dilation_rate.h, .dil_w = dilation_rate.w,
            .out_h = rows.out, .out_w = cols.out, .pad_top = rows.pad, .pad_left = cols.pad};
}

// For every input pixel p = (b, i, j) and kernel row u, calls
//   visit(window, out_row, first_col)
// where `window` is the offset of the (kw, filters) slab of row p, kernel row u in the window
// matrix; `out_row` the flat index of output pixel (b, i * sh - pad_top + u * dh, 0), or -1 when
// that row is cut off; `first_col` the output column of kernel column 0, j * sw - pad_left.
template <class Visit>
void for_each_window_row(const Geometry& g, Visit&& visit) {
    const std::size_t slab = g.k_w * g.filters;
    std::size_t window = 0;
    for (std::size_t b = 0; b < g.batch; ++b)
        for (std::size_t i = 0; i < g.in_h; ++i)
            for (std::size_t j = 0; j < g.in_w; ++j) {
                const std::ptrdiff_t first_col =
                    static_cast<std::ptrdiff_t>(j * g.stride_w) - static_cast<std::ptrdiff_t>(g.pad_left);
                for (std::size_t u = 0; u < g.k_h; ++u, window += slab) {
                    const std::size_t r = i * g.stride_h + u * g.dil_h;   // output row + pad_top
                    const bool inside = r >= g.pad_top && r - g.pad_top < g.out_h;
                    const auto out_row = static_cast<std::ptrdiff_t>((b * g.out_h + r - g.pad_top) * g.out_w);
                    visit(window, inside ? out_row : -1, first_col);
                }
            }
}

// Whether the kw output columns from `first_col` are adjacent and all inside the output.
bool contiguous(const Geometry& g, std::ptrdiff_t first_col) {
    const auto end = first_col + static_cast<std::ptrdiff_t>(g.k_w);
    return g.dil_w == 1 && first_col >= 0 && end <= static_cast<std::ptrdiff_t>(g.out_w);
}

// y[b, i*sh - pt + u*dh, j*sw - pl + v*dw, f] += windows[(b, i, j), (u, v, f)], cut-off positions dropped.
void scatter_windows(const Geometry& g, const float* windows, float* y) {
    const std::size_t f = g.filters;
    for_each_window_row(g, [&](std::size_t window, std::ptrdiff_t out_row, std::ptrdiff_t first_col) {
        if (out_row < 0) return;
        const float* src = windows + window;
        float* row = y + static_cast<std::size_t>(out_row) * f;
        if (contiguous(g, first_col)) {
            float* dst = row + static_cast<std::size_t>(first_col) * f;
            for (std::size_t k = 0; k < g.k_w * f; ++k) dst[k] += src[k];
            return;
        }
        for (std::size_t v = 0; v < g.k_w; ++v, src += f) {
            const std::ptrdiff_t col = first_col + static_cast<std::ptrdiff_t>(v * g.dil_w);
            if (col < 0 || col >= static_cast<std::ptrdiff_t>(g.out_w)) continue;
            float* dst = row + static_cast<std::size_t>(col) * f;
            for (std::size_t k = 0; k < f; ++k) dst[k] += src[k];
        }
    });
}

// The adjoint of scatter_windows: windows[(b, i, j), (u, v, f)] = dy[b, i*sh - pt + u*dh, j*sw - pl + v*dw, f],
// 0 where the position was cut off.
void gather_windows(const Geometry& g, const float* dy, float* windows) {
    const std::size_t f = g.filters;
    for_each_window_row(g, [&](std::size_t window, std::ptrdiff_t out_row, std::ptrdiff_t first_col) {
        float* dst = windows + window;
        if (out_row < 0) {
            std::fill_n(dst, g.k_w * f, 0.0f);
            return;
        }
        const float* row = dy + static_cast<std::size_t>(out_row) * f;
        if (contiguous(g, first_col)) {
            std::memcpy(dst, row + static_cast<std::size_t>(first_col) * f, g.k_w * f * sizeof(float));
            return;
        }
        for (std::size_t v = 0; v < g.k_w; ++v, dst += f) {
            const std::ptrdiff_t col = first_col + static_cast<std::ptrdiff_t>(v * g.dil_w);
            if (col >= 0 && col < static_cast<std::ptrdiff_t>(g.out_w))
                std::memcpy(dst, row + static_cast<std::size_t>(col) * f, f * sizeof(float));
            else
                std::fill_n(dst, f, 0.0f);
        }
    });
}

}  // namespace

std::size_t conv_transpose_output_length(std::size_t in, std::size_t kernel, std::size_t stride,
                                         const std::string& padding, std::optional<std::size_t> output_padding,
                                         std::size_t dilation) {
    if (in == 0) return 0;
    const std::size_t span = (kernel - 1) * dilation + 1;
    const bool same = padding == "same";
    if (!output_padding) return same ? in * stride : in * stride + (span > stride ? span - stride : 0);
    return (in - 1) * stride + (same ? span % 2 : span) + *output_padding;
}

Tensor conv2d_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides,
                        const std::string& padding, std::optional<Size2> output_padding, Size2 dilation_rate) {
    const Geometry g = geometry(x, kernel, bias, strides, padding, output_padding, dilation_rate);
    const std::size_t n = g.pixels(), c = g.channels, f = g.filters;

    Tensor y = Tensor::empty({g.batch, g.out_h, g.out_w, f});
    float* out = y.data();
    const std::size_t out_pixels = g.batch * g.out_h * g.out_w;
    if (bias.defined())
        for (std::size_t p = 0; p < out_pixels; ++p) std::copy_n(bias.data(), f, out + p * f);
    else
        std::fill_n(out, y.size(), 0.0f);
    if (g.pointwise()) {
        // Y += X . W^T   [N, F] = [N, C].[C, F]
        detail::sgemm(false, true, n, f, c, 1.0f, x.data(), kernel.data(), 1.0f, out);
    } else {
        // windows = X . W^T   [N, kh*kw*F] = [N, C].[C, kh*kw*F], then added onto Y.
        Tensor windows = Tensor::empty({n, g.window()});
        detail::sgemm(false, true, n, g.window(), c, 1.0f, x.data(), kernel.data(), 0.0f, windows.data());
        scatter_windows(g, windows.data(), out);
    }

    std::vector<Tensor> inputs{x, kernel};
    if (bias.defined()) inputs.push_back(bias);
    return detail::record("conv2d_transpose", y, std::move(inputs),
                          [g, x = x.detach(), w = kernel.detach(), has_bias = bias.defined()](const Tensor& dy,
                                                                                              InputGrads& dx) {
        const std::size_t n = g.pixels(), k = g.window(), c = g.channels, f = g.filters;
        Tensor windows = dy.detach();
        if (!g.pointwise() && (dx.needs(0) || dx.needs(1))) {
            windows = Tensor::empty({n, k});
            gather_windows(g, dy.data(), windows.data());
        }
        // dX = dwindows . W   [N, C] = [N, kh*kw*F].[kh*kw*F, C]
        if (dx.needs(0)) detail::sgemm(false, false, n, c, k, 1.0f, windows.data(), w.data(), 1.0f, dx.acc(0).data());
        // dW = dwindows^T . X   [kh*kw*F, C] = [kh*kw*F, N].[N, C]
        if (dx.needs(1)) detail::sgemm(true, false, k, c, n, 1.0f, windows.data(), x.data(), 1.0f, dx.acc(1).data());
        // db = sum of dY over batch and pixels   [F]
        if (has_bias && dx.needs(2)) {
            float* db = dx.acc(2).data();
            const float* d = dy.data();
            const std::size_t out_pixels = dy.size() / f;
            for (std::size_t p = 0; p < out_pixels; ++p)
                for (std::size_t j = 0; j < f; ++j) db[j] += d[p * f + j];
        }
    });
}

}  // namespace kx::ops
