// 2-D convolution, channels_last, as im2col + GEMM: each output pixel's receptive field is copied
// into a row of a (B*OH*OW, kh*kw*C) patch matrix, which Keras' (kh, kw, C, F) kernel multiplies as
// a (kh*kw*C, F) matrix without any reordering. The backward pass is two more GEMMs and a
// scatter-add (col2im) of the patch gradients back onto the input.
// The batch is split across the thread budget (ops/parallel.hpp) and walked in chunks of images
// whose patch matrix fits in L2 (a whole batch's is tens of MB): im2col, GEMM and col2im of a
// chunk then run on cached data, and the patch buffers are reused across calls.
#include "blas.hpp"
#include "ops/parallel.hpp"
#include "ops/scratch.hpp"
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

// Visits every (output row, kernel row i) pair of the images [b0, b1): `offset` locates, in the
// patch matrix of that image range, output column 0's segment for kernel row i (column ow's is
// ow * patch() further), `image_row` the first pixel of the input row it reads (meaningless when
// `inside` is false: that row is padding). Shared by im2col and col2im so that both walk the
// exact same geometry.
template <class Visit>
void for_each_kernel_row(const Geometry& g, std::size_t b0, std::size_t b1, Visit&& visit) {
    const std::size_t seg = g.k_w * g.channels, row_size = g.out_w * g.patch();
    std::size_t offset = 0;   // of the output row's first patch
    for (std::size_t b = b0; b < b1; ++b)
        for (std::size_t oh = 0; oh < g.out_h; ++oh, offset += row_size)
            for (std::size_t i = 0; i < g.k_h; ++i) {
                const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * g.stride_h + i * g.dil_h) - g.pad_top;
                const bool inside = ih >= 0 && ih < static_cast<std::ptrdiff_t>(g.in_h);
                const std::size_t image_row = inside ? (b * g.in_h + static_cast<std::size_t>(ih)) * g.in_w : 0;
                visit(offset + i * seg, inside, image_row);
            }
}

// Along the w axis: output column ow's window starts at input column ow*sw - pad_left, and the
// columns [first, last) are the ones whose whole window lies inside the image (no padding read).
struct Columns {
    std::size_t first, last;

    static Columns of(const Geometry& g) {
        const std::size_t pad = static_cast<std::size_t>(g.pad_left), span = (g.k_w - 1) * g.dil_w + 1;
        const std::size_t first = std::min(g.out_w, (pad + g.stride_w - 1) / g.stride_w);
        const std::size_t fit = g.in_w + pad < span ? 0 : (g.in_w + pad - span) / g.stride_w + 1;
        return {first, std::max(first, std::min(g.out_w, fit))};
    }
};

// Input column of kernel column 0 for output column ow (negative in the left padding).
std::ptrdiff_t window_start(const Geometry& g, std::size_t ow) {
    return static_cast<std::ptrdiff_t>(ow * g.stride_w) - g.pad_left;
}

// cols[(b, oh, ow), (i, j, c)] = x[b, oh*sh + i*dh - pad_top, ow*sw + j*dw - pad_left, c], 0 in the
// padding, for the images [b0, b1). Runs of floats contiguous in both (kw*C with unit dilation,
// else C) are copied by memcpy when long; short runs (3 floats for a 3x3 kernel on one channel,
// where a memcpy call costs more than the copy) by a loop across output columns.
void im2col(const Geometry& g, std::size_t b0, std::size_t b1, const float* x, float* cols) {
    const std::size_t c = g.channels, seg = g.k_w * c, patch = g.patch();
    const std::size_t run = g.dil_w == 1 ? seg : c, runs = seg / run, run_step = g.dil_w * c;
    const auto in_w = static_cast<std::ptrdiff_t>(g.in_w);
    const Columns cols_inside = Columns::of(g);
    constexpr std::size_t short_run = 16;
    for_each_kernel_row(g, b0, b1, [&](std::size_t offset, bool inside, std::size_t image_row) {
        float* out = cols + offset;
        if (!inside) {
            for (std::size_t ow = 0; ow < g.out_w; ++ow) std::fill_n(out + ow * patch, seg, 0.0f);
            return;
        }
        const float* row = x + image_row * c;
        const auto border = [&](std::size_t ow) {
            float* dst = out + ow * patch;
            for (std::size_t j = 0; j < g.k_w; ++j, dst += c) {
                const std::ptrdiff_t iw = window_start(g, ow) + static_cast<std::ptrdiff_t>(j * g.dil_w);
                if (iw >= 0 && iw < in_w) std::copy_n(row + static_cast<std::size_t>(iw) * c, c, dst);
                else std::fill_n(dst, c, 0.0f);
            }
        };
        for (std::size_t ow = 0; ow < cols_inside.first; ++ow) border(ow);
        for (std::size_t ow = cols_inside.last; ow < g.out_w; ++ow) border(ow);
        const std::size_t first = cols_inside.first, count = cols_inside.last - first;
        if (count == 0) return;
        const float* src = row + static_cast<std::size_t>(window_start(g, first)) * c;
        float* dst = out + first * patch;
        const std::size_t src_step = g.stride_w * c;
        if (run >= short_run) {
            for (std::size_t n = 0; n < count; ++n)
                for (std::size_t r = 0; r < runs; ++r)
                    std::memcpy(dst + n * patch + r * run, src + n * src_step + r * run_step, run * sizeof(float));
            return;
        }
        for (std::size_t r = 0; r < runs; ++r)
            for (std::size_t e = 0; e < run; ++e) {
                const float* s = src + r * run_step + e;
                float* d = dst + r * run + e;
                for (std::size_t n = 0; n < count; ++n) d[n * patch] = s[n * src_step];
            }
    });
}

// The adjoint of im2col: dx[b, ih, iw, c] += dcols[(b, oh, ow), (i, j, c)] for every patch of the
// images [b0, b1) that read it.
void col2im_add(const Geometry& g, std::size_t b0, std::size_t b1, const float* dcols, float* dx) {
    const std::size_t c = g.channels, seg = g.k_w * c, patch = g.patch();
    const auto in_w = static_cast<std::ptrdiff_t>(g.in_w);
    const Columns cols_inside = Columns::of(g);
    for_each_kernel_row(g, b0, b1, [&](std::size_t offset, bool inside, std::size_t image_row) {
        if (!inside) return;
        float* row = dx + image_row * c;
        for (std::size_t ow = 0; ow < g.out_w; ++ow) {
            const float* src = dcols + offset + ow * patch;
            const std::ptrdiff_t iw0 = window_start(g, ow);
            if (g.dil_w == 1 && ow >= cols_inside.first && ow < cols_inside.last) {
                float* dst = row + static_cast<std::size_t>(iw0) * c;
                for (std::size_t k = 0; k < seg; ++k) dst[k] += src[k];
                continue;
            }
            for (std::size_t j = 0; j < g.k_w; ++j, src += c) {
                const std::ptrdiff_t iw = iw0 + static_cast<std::ptrdiff_t>(j * g.dil_w);
                if (iw < 0 || iw >= in_w) continue;
                float* dst = row + static_cast<std::size_t>(iw) * c;
                for (std::size_t k = 0; k < c; ++k) dst[k] += src[k];
            }
        }
    });
}

// Images per chunk: the patch matrix of a chunk stays in the core's L2 cache between im2col
// and the GEMM that reads it (and col2im after the GEMM that writes it).
std::size_t chunk_images(const Geometry& g) {
    constexpr std::size_t target_bytes = 256 * 1024;
    const std::size_t per_image = g.out_h * g.out_w * g.patch() * sizeof(float);
    return std::max<std::size_t>(1, target_bytes / std::max<std::size_t>(per_image, 1));
}

// The first image of `group` when the batch is cut into min(groups, batch) equal groups.
std::size_t group_begin(const Geometry& g, std::size_t groups, std::size_t group) {
    return g.batch * group / std::min(groups, g.batch);
}

// Calls chunk(b0, b1, group) on consecutive runs of at most chunk_images(g) images. The batch is
// cut into a fixed number of groups (at most `groups`), handed out to the threads of the budget;
// a group's chunks run in order on one thread, so a per-group partial sum is reproducible.
template <class Chunk>
void for_each_chunk(const Geometry& g, std::size_t groups, Chunk&& chunk) {
    const std::size_t step = chunk_images(g);
    detail::ThreadPool::instance().run(std::min(groups, g.batch), [&](std::size_t group) {
        const std::size_t end = group_begin(g, groups, group + 1);
        for (std::size_t b0 = group_begin(g, groups, group); b0 < end; b0 += step) chunk(b0, std::min(b0 + step, end), group);
    });
}

// Enough groups that two threads finish within a few percent of each other; few enough that the
// backward pass's per-group dW partials stay small.
constexpr std::size_t max_groups = 16;
}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides, const std::string& padding,
              Size2 dilation_rate) {
    const Geometry g = geometry(x, kernel, bias, strides, padding, dilation_rate);
    const std::size_t k = g.patch(), f = g.filters, per_image = g.out_h * g.out_w;
    Tensor y = Tensor::empty({g.batch, g.out_h, g.out_w, f});
    const float* px = x.data();
    const float* pw = kernel.data();
    const float* pb = bias.defined() ? bias.data() : nullptr;
    float* py = y.data();
    // Per chunk: Y = cols . W + b   [n, F] = [n, kh*kw*C].[kh*kw*C, F] + [F], n = its patch rows;
    // b is pre-filled, the GEMM adds (beta = 1).
    for_each_chunk(g, max_groups, [&](std::size_t b0, std::size_t b1, std::size_t) {
        const std::size_t n = (b1 - b0) * per_image;
        float* out = py + b0 * per_image * f;
        const float* cols = px + b0 * per_image * k;
        if (!g.patches_are_input()) {
            float* buffer = detail::scratch<0>(n * k);
            im2col(g, b0, b1, px, buffer);
            cols = buffer;
        }
        if (pb)
            for (std::size_t r = 0; r < n; ++r) std::copy_n(pb, f, out + r * f);
        detail::sgemm(false, false, n, f, k, 1.0f, cols, pw, pb ? 1.0f : 0.0f, out);
    });

    std::vector<Tensor> inputs{x, kernel};
    if (bias.defined()) inputs.push_back(bias);
    // The patch matrix is rebuilt chunk by chunk in the backward pass rather than kept: rebuilding
    // an L2-sized chunk costs less than streaming a batch-sized one back from memory.
    return detail::record("conv2d", y, std::move(inputs),
                          [g, x = x.detach(), w = kernel.detach(), has_bias = bias.defined()](const Tensor& dy,
                                                                                             InputGrads& dx) {
        const std::size_t k = g.patch(), f = g.filters, per_image = g.out_h * g.out_w;
        const bool want_x = dx.needs(0), want_w = dx.needs(1), want_b = has_bias && dx.needs(2);
        // Accumulators are fetched here, on one thread: the first fetch allocates them.
        float* gx = want_x ? dx.acc(0).data() : nullptr;
        const float* px = x.data();
        const float* pw = w.data();
        const float* pdy = dy.data();
        // Each group of images sums its dW and db into its own partial [kh*kw*C * F + F].
        const std::size_t partial_size = k * f + f, groups = std::min(max_groups, g.batch);
        float* partials = detail::scratch<2>(groups * partial_size);
        for_each_chunk(g, groups, [&](std::size_t b0, std::size_t b1, std::size_t group) {
            const std::size_t n = (b1 - b0) * per_image;
            const float* d = pdy + b0 * per_image * f;
            float* partial = partials + group * partial_size;
            if (b0 == group_begin(g, groups, group)) std::fill_n(partial, partial_size, 0.0f);
            if (want_w) {
                const float* cols = px + b0 * per_image * k;
                if (!g.patches_are_input()) {
                    float* buffer = detail::scratch<0>(n * k);
                    im2col(g, b0, b1, px, buffer);
                    cols = buffer;
                }
                // dW += cols^T . dY   [kh*kw*C, F] = [kh*kw*C, n].[n, F]
                detail::sgemm(true, false, k, f, n, 1.0f, cols, d, 1.0f, partial);
            }
            // db += sum of dY over the chunk's pixels   [F]
            if (want_b) {
                float* db = partial + k * f;
                for (std::size_t r = 0; r < n; ++r)
                    for (std::size_t j = 0; j < f; ++j) db[j] += d[r * f + j];
            }
            if (want_x) {
                if (g.patches_are_input()) {
                    // dX = dY . W^T   [n, C] = [n, F].[F, C]
                    detail::sgemm(false, true, n, k, f, 1.0f, d, pw, 1.0f, gx + b0 * per_image * k);
                } else {
                    // dcols = dY . W^T   [n, kh*kw*C] = [n, F].[F, kh*kw*C], then scattered back onto x.
                    float* dcols = detail::scratch<1>(n * k);
                    detail::sgemm(false, true, n, k, f, 1.0f, d, pw, 0.0f, dcols);
                    col2im_add(g, b0, b1, dcols, gx);
                }
            }
        });
        float* gw = want_w ? dx.acc(1).data() : nullptr;
        float* gb = want_b ? dx.acc(2).data() : nullptr;
        for (std::size_t group = 0; group < groups; ++group) {
            const float* partial = partials + group * partial_size;
            if (gw)
                for (std::size_t i = 0; i < k * f; ++i) gw[i] += partial[i];
            if (gb)
                for (std::size_t j = 0; j < f; ++j) gb[j] += partial[k * f + j];
        }
    });
}

}  // namespace kx::ops
