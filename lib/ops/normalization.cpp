// Batch, layer and group normalization. Batch and group normalization share one kernel: x viewed
// as (outer, rows, channels), channels last, each (outer index, group of channels) normalised over
// its rows and the group's channels (batch norm: outer 1, one group per channel; group norm: outer
// = batch). Its loops run along contiguous memory with the per-channel parameters repeated to a
// tile of whole rows, so GCC vectorises them even for 3 or 8 channels. Layer normalization over
// trailing axes normalises contiguous rows, one row at a time.
#include "ops/axes.hpp"
#include "ops/broadcast.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace kx::ops {

using detail::InputGrads;

namespace {

// x as (outer, rows, channels); channels split into `groups` contiguous groups of group_size().
struct Layout {
    std::size_t outer, rows, channels, groups;

    std::size_t group_size() const { return groups == 0 ? 0 : channels / groups; }
    std::size_t count() const { return rows * group_size(); }   // elements behind each statistic
    std::size_t block() const { return rows * channels; }       // elements of one outer index
};

// Per-channel parameters are repeated end to end into a tile of whole rows, at least 64 floats
// wide when channels are few, so that lane j of a tile always belongs to channel j % channels.
std::size_t tile_width(std::size_t channels) {
    constexpr std::size_t tile_floats = 64;
    if (channels == 0) return 1;
    return channels >= tile_floats ? channels : tile_floats / channels * channels;
}

// tile[j] = per_channel(j % channels)
template <class F>
void fill_tile(std::vector<float>& tile, std::size_t channels, F per_channel) {
    for (std::size_t c = 0; c < std::min(channels, tile.size()); ++c) tile[c] = per_channel(c);
    for (std::size_t j = channels; j < tile.size(); ++j) tile[j] = tile[j - channels];
}

// f(i, j) for every element i < n of a block, j being i's lane in its tile. The inner loop is the
// one GCC vectorises.
template <class F>
void for_each_lane(std::size_t n, std::size_t width, F f) {
    std::size_t i = 0;
    for (; i + width <= n; i += width)
        for (std::size_t j = 0; j < width; ++j) f(i + j, j);
    for (std::size_t j = 0; i + j < n; ++j) f(i + j, j);
}

// sums[c] += the sum over the block's rows of f(i, j) (as in for_each_lane) for channel c. Lanes
// add in float over chunks of 256 tiles, chunks add in double: a channel summed over a million
// rows keeps float precision.
template <class F>
void add_channel_sums(std::size_t n, std::size_t channels, std::vector<float>& lanes, double* sums, F f) {
    const std::size_t width = lanes.size(), chunk = 256 * width;
    float* acc = lanes.data();
    for (std::size_t start = 0; start < n; start += chunk) {
        std::fill(lanes.begin(), lanes.end(), 0.0f);
        for_each_lane(std::min(chunk, n - start), width, [&](std::size_t i, std::size_t j) { acc[j] += f(start + i, j); });
        for (std::size_t t = 0; t < width; t += channels)
            for (std::size_t c = 0; c < channels; ++c) sums[c] += acc[t + c];
    }
}

// gamma's and beta's values, ones and zeros standing in for undefined tensors.
std::vector<float> values_or(const Tensor& t, std::size_t n, float fallback) {
    return t.defined() ? std::vector<float>(t.data(), t.data() + n) : std::vector<float>(n, fallback);
}

float inverse_std(float variance, float epsilon) { return 1.0f / std::sqrt(variance + epsilon); }

// Scratch of the grouped kernels: tiles of per-channel parameters and per-channel sums.
struct Workspace {
    explicit Workspace(std::size_t channels)
        : lanes(tile_width(channels)), m(lanes.size()), p(lanes.size()), q(lanes.size()), r(lanes.size()),
          s1(channels), s2(channels) {}
    std::vector<float> lanes, m, p, q, r;
    std::vector<double> s1, s2;
};

// Each channel's group, looked up rather than divided for, once per channel per outer index.
std::vector<std::size_t> group_of_channels(const Layout& l) {
    std::vector<std::size_t> group(l.channels);
    for (std::size_t c = 0; c < l.channels; ++c) group[c] = c / l.group_size();
    return group;
}

// The sum of a group's per-channel sums.
double group_sum(const std::vector<double>& sums, std::size_t g, std::size_t size) {
    return std::accumulate(sums.begin() + static_cast<std::ptrdiff_t>(g * size),
                           sums.begin() + static_cast<std::ptrdiff_t>((g + 1) * size), 0.0);
}

// y = (x - mean) / sqrt(var + epsilon) * gamma + beta for each (o, group); mean and var (outer,
// groups) receive the statistics (var biased). gamma, beta (channels,).
void grouped_forward(const Layout& l, const float* x, const float* gamma, const float* beta, float epsilon, float* y,
                     float* mean, float* var) {
    const std::size_t channels = l.channels, size = l.group_size(), n = l.block();
    const double count = static_cast<double>(l.count());
    Workspace w(channels);
    const std::vector<std::size_t> group = group_of_channels(l);
    std::vector<float> inv(l.groups);
    float *pm = w.m.data(), *pa = w.p.data(), *pb = w.q.data();
    for (std::size_t o = 0; o < l.outer; ++o) {
        const float* xo = x + o * n;
        float* yo = y + o * n;
        float *mo = mean + o * l.groups, *vo = var + o * l.groups;
        // mean[g] = sum of the group's elements / count   [groups]
        std::fill(w.s1.begin(), w.s1.end(), 0.0);
        add_channel_sums(n, channels, w.lanes, w.s1.data(), [xo](std::size_t i, std::size_t) { return xo[i]; });
        for (std::size_t g = 0; g < l.groups; ++g) mo[g] = static_cast<float>(group_sum(w.s1, g, size) / count);
        fill_tile(w.m, channels, [&](std::size_t c) { return mo[group[c]]; });
        // var[g] = sum of (x - mean)^2 / count   [groups]: a second pass, so no cancellation
        std::fill(w.s2.begin(), w.s2.end(), 0.0);
        add_channel_sums(n, channels, w.lanes, w.s2.data(), [xo, pm](std::size_t i, std::size_t j) {
            const float d = xo[i] - pm[j];
            return d * d;
        });
        for (std::size_t g = 0; g < l.groups; ++g) {
            vo[g] = static_cast<float>(group_sum(w.s2, g, size) / count);
            inv[g] = inverse_std(vo[g], epsilon);
        }
        // y = x * a + b, a = gamma / sqrt(var + epsilon), b = beta - mean * a   [rows, channels]
        fill_tile(w.p, channels, [&](std::size_t c) { return gamma[c] * inv[group[c]]; });
        fill_tile(w.q, channels, [&](std::size_t c) { return beta[c] - mo[group[c]] * w.p[c]; });
        for_each_lane(n, w.lanes.size(), [=](std::size_t i, std::size_t j) { yo[i] = xo[i] * pa[j] + pb[j]; });
    }
}

// Adds grouped_forward's gradients into dx, dgamma and dbeta (each skipped when null). With
// xhat = (x - mean) * inv, K = count and per group S1 = sum(dy * gamma), S2 = sum(dy * gamma * xhat):
//   dx = inv / K * (K * dy * gamma - S1 - xhat * S2)   [rows, channels]
//   dgamma = sum over rows of dy * xhat,  dbeta = sum over rows of dy   [channels]
void grouped_backward(const Layout& l, const float* x, const float* dy, const float* gamma, const float* mean,
                      const float* var, float epsilon, float* dx, float* dgamma, float* dbeta) {
    const std::size_t channels = l.channels, size = l.group_size(), n = l.block();
    const double count = static_cast<double>(l.count());
    Workspace w(channels);
    const float *pm = w.m.data(), *pp = w.p.data(), *pq = w.q.data(), *pr = w.r.data();
    const std::vector<std::size_t> group = group_of_channels(l);
    std::vector<float> inv(l.groups), q(l.groups), r(l.groups);
    for (std::size_t o = 0; o < l.outer; ++o) {
        const float *xo = x + o * n, *dyo = dy + o * n;
        const float *mo = mean + o * l.groups, *vo = var + o * l.groups;
        for (std::size_t g = 0; g < l.groups; ++g) inv[g] = inverse_std(vo[g], epsilon);
        fill_tile(w.m, channels, [&](std::size_t c) { return mo[group[c]]; });
        // s1[c] = sum of dy, s2[c] = sum of dy * (x - mean)   [channels]
        std::fill(w.s1.begin(), w.s1.end(), 0.0);
        std::fill(w.s2.begin(), w.s2.end(), 0.0);
        add_channel_sums(n, channels, w.lanes, w.s1.data(), [dyo](std::size_t i, std::size_t) { return dyo[i]; });
        add_channel_sums(n, channels, w.lanes, w.s2.data(),
                         [xo, dyo, pm](std::size_t i, std::size_t j) { return dyo[i] * (xo[i] - pm[j]); });
        for (std::size_t c = 0; c < channels; ++c) {
            if (dbeta) dbeta[c] += static_cast<float>(w.s1[c]);
            if (dgamma) dgamma[c] += static_cast<float>(w.s2[c]) * inv[group[c]];
        }
        if (!dx) continue;
        // dx = dy * p + (x - mean) * q + r with p = gamma * inv, q = -inv^2 * S2 / K, r = -inv * S1 / K
        for (std::size_t g = 0; g < l.groups; ++g) {
            double s1 = 0.0, s2 = 0.0;
            for (std::size_t c = g * size; c < (g + 1) * size; ++c) {
                s1 += gamma[c] * w.s1[c];
                s2 += gamma[c] * w.s2[c];
            }
            q[g] = static_cast<float>(-inv[g] * inv[g] * inv[g] * s2 / count);
            r[g] = static_cast<float>(-inv[g] * s1 / count);
        }
        fill_tile(w.p, channels, [&](std::size_t c) { return gamma[c] * inv[group[c]]; });
        fill_tile(w.q, channels, [&](std::size_t c) { return q[group[c]]; });
        fill_tile(w.r, channels, [&](std::size_t c) { return r[group[c]]; });
        float* dxo = dx + o * n;
        for_each_lane(n, w.lanes.size(), [=](std::size_t i, std::size_t j) {
            dxo[i] += dyo[i] * pp[j] + (xo[i] - pm[j]) * pq[j] + pr[j];
        });
    }
}

// The sum of f(i) for i < n, in 16 float lanes so that GCC vectorises it.
template <class F>
float lane_sum(std::size_t n, F f) {
    constexpr std::size_t lanes = 16;
    float partial[lanes] = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (std::size_t k = 0; k < lanes; ++k) partial[k] += f(i + k);
    float total = 0.0f;
    for (; i < n; ++i) total += f(i);
    for (float s : partial) total += s;
    return total;
}

// Layer normalization of `rows` contiguous rows of d elements: y = (x - mean) * inv * gamma + beta
// per row; mean and inv (rows,) receive each row's mean and 1 / sqrt(var + epsilon).
void rows_forward(std::size_t rows, std::size_t d, const float* x, const float* gamma, const float* beta,
                  float epsilon, float* y, float* mean, float* inv) {
    const float scale = 1.0f / static_cast<float>(d);
    for (std::size_t row = 0; row < rows; ++row) {
        const float* xr = x + row * d;
        float* yr = y + row * d;
        const float m = detail::sum_contiguous(xr, d) * scale;
        const float var = lane_sum(d, [=](std::size_t i) { return (xr[i] - m) * (xr[i] - m); }) * scale;
        const float iv = inverse_std(var, epsilon);
        for (std::size_t i = 0; i < d; ++i) yr[i] = (xr[i] - m) * iv * gamma[i] + beta[i];
        mean[row] = m;
        inv[row] = iv;
    }
}

// Adds rows_forward's gradients. Per row, with xhat = (x - mean) * inv and g = dy * gamma:
//   dx = inv * (g - sum(g) / d - xhat * sum(g * xhat) / d)   [d]
//   dgamma += dy * xhat,  dbeta += dy   [d], summed over rows
void rows_backward(std::size_t rows, std::size_t d, const float* x, const float* dy, const float* gamma,
                   const float* mean, const float* inv, float* dx, float* dgamma, float* dbeta) {
    const float scale = 1.0f / static_cast<float>(d);
    for (std::size_t row = 0; row < rows; ++row) {
        const float *xr = x + row * d, *dyr = dy + row * d;
        const float m = mean[row], iv = inv[row];
        if (dbeta)
            for (std::size_t i = 0; i < d; ++i) dbeta[i] += dyr[i];
        if (dgamma)
            for (std::size_t i = 0; i < d; ++i) dgamma[i] += dyr[i] * (xr[i] - m) * iv;
        if (!dx) continue;
        const float a = lane_sum(d, [=](std::size_t i) { return dyr[i] * gamma[i]; }) * scale;
        const float b = lane_sum(d, [=](std::size_t i) { return dyr[i] * gamma[i] * (xr[i] - m) * iv; }) * scale;
        float* dxr = dx + row * d;
        for (std::size_t i = 0; i < d; ++i) dxr[i] += iv * (dyr[i] * gamma[i] - a - (xr[i] - m) * iv * b);
    }
}

// gamma and beta (or mean and variance): undefined, or of shape `expected`.
void check_parameter(const char* op, const char* name, const Tensor& t, const Shape& expected, const Tensor& x,
                     const char* what) {
    if (t.defined() && t.shape() != expected)
        throw Error(std::string("ops::") + op + ": expected " + name + " of shape " + to_string(expected) + " (" +
                    what + " of x " + to_string(x.shape()) + "), got " + to_string(t.shape()));
}

// x (..., C) with C > 0 known: the rank must be at least 1.
std::size_t channels_of(const char* op, const Tensor& x) {
    if (x.rank() == 0)
        throw Error(std::string("ops::") + op + ": expected x of rank >= 1 with channels on the last axis, got a scalar");
    return x.shape().back();
}

std::size_t product(const Shape& shape, std::size_t begin, std::size_t end) {
    std::size_t n = 1;
    for (std::size_t a = begin; a < end; ++a) n *= shape[a];
    return n;
}

// layer_norm over the last `rank - first` axes, whose elements are contiguous rows.
Tensor layer_norm_rows(const Tensor& x, std::size_t first, const Tensor& gamma, const Tensor& beta, float epsilon) {
    const Shape& s = x.shape();
    const std::size_t rows = product(s, 0, first), d = product(s, first, s.size());
    const std::vector<float> g = values_or(gamma, d, 1.0f), b = values_or(beta, d, 0.0f);
    Tensor y = Tensor::empty(s), mean = Tensor::empty({rows}), inv = Tensor::empty({rows});
    rows_forward(rows, d, x.data(), g.data(), b.data(), epsilon, y.data(), mean.data(), inv.data());
    return detail::record("layer_norm", y, {x, gamma, beta},
                          [rows, d, x = x.detach(), g, mean, inv](const Tensor& dy, InputGrads& dx) {
                              float* gx = dx.needs(0) ? dx.acc(0).data() : nullptr;
                              float* gg = dx.needs(1) ? dx.acc(1).data() : nullptr;
                              float* gb = dx.needs(2) ? dx.acc(2).data() : nullptr;
                              rows_backward(rows, d, x.data(), dy.data(), g.data(), mean.data(), inv.data(), gx, gg, gb);
                          });
}

// Runs the grouped kernel on x laid out as `l` and records it; mean and var (outer, groups) out.
Tensor grouped_norm(const char* op, const Tensor& x, const Layout& l, const Tensor& gamma, const Tensor& beta,
                    float epsilon, Tensor& mean, Tensor& var) {
    const std::vector<float> g = values_or(gamma, l.channels, 1.0f), b = values_or(beta, l.channels, 0.0f);
    Tensor y = Tensor::empty(x.shape());
    grouped_forward(l, x.data(), g.data(), b.data(), epsilon, y.data(), mean.data(), var.data());
    return detail::record(op, y, {x, gamma, beta},
                          [l, x = x.detach(), g, mean, var, epsilon](const Tensor& dy, InputGrads& dx) {
                              float* gx = dx.needs(0) ? dx.acc(0).data() : nullptr;
                              float* gg = dx.needs(1) ? dx.acc(1).data() : nullptr;
                              float* gb = dx.needs(2) ? dx.acc(2).data() : nullptr;
                              grouped_backward(l, x.data(), dy.data(), g.data(), mean.data(), var.data(), epsilon,
                                               gx, gg, gb);
                          });
}

}  // namespace

BatchNormOutput batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float epsilon) {
    const std::size_t channels = channels_of("batch_norm", x);
    check_parameter("batch_norm", "gamma", gamma, {channels}, x, "one per channel, the last axis");
    check_parameter("batch_norm", "beta", beta, {channels}, x, "one per channel, the last axis");
    const Layout l{1, product(x.shape(), 0, x.rank() - 1), channels, channels};
    Tensor mean = Tensor::empty({channels}), variance = Tensor::empty({channels});
    Tensor y = grouped_norm("batch_norm", x, l, gamma, beta, epsilon, mean, variance);
    return {y, mean, variance};
}

Tensor batch_norm_inference(const Tensor& x, const Tensor& mean, const Tensor& variance, const Tensor& gamma,
                            const Tensor& beta, float epsilon) {
    const std::size_t channels = channels_of("batch_norm_inference", x);
    const char* what = "one per channel, the last axis";
    if (!mean.defined() || !variance.defined())
        throw Error("ops::batch_norm_inference: expected defined mean and variance tensors of shape " +
                    to_string(Shape{channels}));
    check_parameter("batch_norm_inference", "mean", mean, {channels}, x, what);
    check_parameter("batch_norm_inference", "variance", variance, {channels}, x, what);
    check_parameter("batch_norm_inference", "gamma", gamma, {channels}, x, what);
    check_parameter("batch_norm_inference", "beta", beta, {channels}, x, what);
    const std::vector<float> g = values_or(gamma, channels, 1.0f), b = values_or(beta, channels, 0.0f);
    // y = x * a + c with a = gamma / sqrt(variance + epsilon), c = beta - mean * a   [rows, channels]
    std::vector<float> a(tile_width(channels)), c(a.size());
    const float *pmean = mean.data(), *pvar = variance.data();
    fill_tile(a, channels, [&](std::size_t k) { return g[k] * inverse_std(pvar[k], epsilon); });
    fill_tile(c, channels, [&](std::size_t k) { return b[k] - pmean[k] * a[k]; });
    Tensor y = Tensor::empty(x.shape());
    const float *px = x.data(), *pa = a.data(), *pc = c.data();
    float* py = y.data();
    for_each_lane(x.size(), a.size(), [=](std::size_t i, std::size_t j) { py[i] = px[i] * pa[j] + pc[j]; });
    return detail::record(
        "batch_norm_inference", y, {x, mean, variance, gamma, beta},
        [channels, x = x.detach(), mean = mean.detach(), variance = variance.detach(), g, a, epsilon](
            const Tensor& dy, InputGrads& dx) {
            // s1 = sum of dy, s2 = sum of dy * (x - mean) over the rows   [channels]
            Workspace w(channels);
            fill_tile(w.m, channels, [&](std::size_t k) { return mean.data()[k]; });
            const float *px = x.data(), *pdy = dy.data(), *pm = w.m.data(), *pa = a.data();
            add_channel_sums(x.size(), channels, w.lanes, w.s1.data(), [pdy](std::size_t i, std::size_t) { return pdy[i]; });
            add_channel_sums(x.size(), channels, w.lanes, w.s2.data(),
                             [px, pdy, pm](std::size_t i, std::size_t j) { return pdy[i] * (px[i] - pm[j]); });
            // dx = dy * a   [rows, channels]
            if (dx.needs(0)) {
                float* gx = dx.acc(0).data();
                for_each_lane(x.size(), a.size(), [=](std::size_t i, std::size_t j) { gx[i] += pdy[i] * pa[j]; });
            }
            // dmean = -a * s1, dvariance = -gamma * inv^3 * s2 / 2, dgamma = s2 * inv, dbeta = s1   [channels]
            float* gm = dx.needs(1) ? dx.acc(1).data() : nullptr;
            float* gv = dx.needs(2) ? dx.acc(2).data() : nullptr;
            float* gg = dx.needs(3) ? dx.acc(3).data() : nullptr;
            float* gb = dx.needs(4) ? dx.acc(4).data() : nullptr;
            for (std::size_t k = 0; k < channels; ++k) {
                const float inv = inverse_std(variance.data()[k], epsilon);
                const auto s1 = static_cast<float>(w.s1[k]), s2 = static_cast<float>(w.s2[k]);
                if (gm) gm[k] -= a[k] * s1;
                if (gv) gv[k] -= 0.5f * g[k] * inv * inv * inv * s2;
                if (gg) gg[k] += s2 * inv;
                if (gb) gb[k] += s1;
            }
        });
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const std::vector<int>& axes,
                  float epsilon) {
    const Shape& s = x.shape();
    if (axes.empty())
        throw Error("ops::layer_norm: expected at least one axis to normalise over, got none (x " + to_string(s) + ")");
    std::vector<std::size_t> sorted;
    for (int axis : axes) sorted.push_back(detail::normalize_axis("ops::layer_norm", axis, s));
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw Error("ops::layer_norm: duplicate axis in axes " + detail::axes_string(axes) + " for x " + to_string(s));
    Shape parameter;
    for (std::size_t a : sorted) parameter.push_back(s[a]);
    const char* what = "x's dimensions along the normalised axes";
    check_parameter("layer_norm", "gamma", gamma, parameter, x, what);
    check_parameter("layer_norm", "beta", beta, parameter, x, what);
    const std::size_t first = s.size() - sorted.size();
    if (sorted.front() == first) return layer_norm_rows(x, first, gamma, beta, epsilon);   // trailing axes
    // Other axes: move the normalised ones to the end (in order), normalise the rows, move back.
    Axes perm, inverse(s.size());
    for (std::size_t a = 0; a < s.size(); ++a)
        if (!std::binary_search(sorted.begin(), sorted.end(), a)) perm.push_back(static_cast<int>(a));
    for (std::size_t a : sorted) perm.push_back(static_cast<int>(a));
    for (std::size_t k = 0; k < perm.size(); ++k) inverse[static_cast<std::size_t>(perm[k])] = static_cast<int>(k);
    return transpose(layer_norm_rows(transpose(x, perm), first, gamma, beta, epsilon), inverse);
}

Tensor group_norm(const Tensor& x, std::size_t groups, const Tensor& gamma, const Tensor& beta, float epsilon) {
    if (x.rank() < 2)
        throw Error("ops::group_norm: expected x of rank >= 2 (batch, ..., channels), got shape " + to_string(x.shape()));
    const Shape& s = x.shape();
    const std::size_t channels = s.back();
    if (groups == 0) throw Error("ops::group_norm: expected a positive number of groups, got 0");
    if (channels % groups != 0)
        throw Error("ops::group_norm: the " + std::to_string(channels) + " channels of x " + to_string(s) +
                    " cannot be split into " + std::to_string(groups) + " equal groups (channels must be divisible "
                    "by groups)");
    check_parameter("group_norm", "gamma", gamma, {channels}, x, "one per channel, the last axis");
    check_parameter("group_norm", "beta", beta, {channels}, x, "one per channel, the last axis");
    const Layout l{s[0], product(s, 1, s.size() - 1), channels, groups};
    Tensor mean = Tensor::empty({s[0], groups}), var = Tensor::empty({s[0], groups});
    return grouped_norm("group_norm", x, l, gamma, beta, epsilon, mean, var);
}

}  // namespace kx::ops
