// The fused dense kernel: activation(x . W + b) forward, and its whole gradient in one backward,
// because this is where an MLP spends its time (two GEMMs forward, four backward, per layer).
#include "blas.hpp"
#include "ops/parallel.hpp"
#include "tape.hpp"

#include <kerasxx/autograd.hpp>
#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace kx::ops {

using detail::InputGrads;

namespace {
enum class Fused { linear, relu, sigmoid, tanh };

Fused fused_activation(const std::string& name) {
    if (name == "linear") return Fused::linear;
    if (name == "relu") return Fused::relu;
    if (name == "sigmoid") return Fused::sigmoid;
    if (name == "tanh") return Fused::tanh;
    throw Error("ops::dense: the fused kernel supports activations linear, relu, sigmoid and tanh, got '" + name +
                "'; apply other activations after a linear dense");
}

void activate(Fused act, float* y, std::size_t n) {
    switch (act) {
    case Fused::linear: break;
    case Fused::relu: for (std::size_t i = 0; i < n; ++i) y[i] = std::max(y[i], 0.0f); break;
    case Fused::sigmoid: for (std::size_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-y[i])); break;
    case Fused::tanh: for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(y[i]); break;
    }
}

// dZ = dY * act'(Z), written from the activation's output Y (all four have that form).
void activation_grad(Fused act, const float* y, const float* dy, float* dz, std::size_t n) {
    switch (act) {
    case Fused::linear: std::copy_n(dy, n, dz); break;
    case Fused::relu: for (std::size_t i = 0; i < n; ++i) dz[i] = y[i] > 0.0f ? dy[i] : 0.0f; break;
    case Fused::sigmoid: for (std::size_t i = 0; i < n; ++i) dz[i] = dy[i] * y[i] * (1.0f - y[i]); break;
    case Fused::tanh: for (std::size_t i = 0; i < n; ++i) dz[i] = dy[i] * (1.0f - y[i] * y[i]); break;
    }
}

// The unit of the column split: 64 floats are four AVX-512 or eight AVX2 registers.
constexpr std::size_t column_block = 64;

// out[0:width] += x . W[:, 0:width], W's rows `units` apart. A full block's sums stay in registers
// (the fixed trip count lets GCC unroll them into vectors) while W streams past once.
void block_product(const float* x, const float* w, std::size_t in, std::size_t units, std::size_t width, float* out) {
    if (width == column_block) {
        float acc[column_block] = {};
        for (std::size_t k = 0; k < in; ++k)
            for (std::size_t j = 0; j < column_block; ++j) acc[j] += x[k] * w[k * units + j];
        for (std::size_t j = 0; j < column_block; ++j) out[j] += acc[j];
        return;
    }
    for (std::size_t k = 0; k < in; ++k)
        for (std::size_t j = 0; j < width; ++j) out[j] += x[k] * w[k * units + j];
}

// Y[rows, j0:j1] = act(X . W[:, j0:j1] + b[j0:j1]), a matrix-vector product per row: for a batch of
// one or a few samples OpenBLAS's GEMM is slower than this (packing, its small-matrix kernel), and
// streaming W, not the arithmetic, is the cost.
void columns_forward(const float* x, const float* w, const float* b, float* y, std::size_t rows, std::size_t in,
                     std::size_t units, std::size_t j0, std::size_t j1, Fused act) {
    for (std::size_t r = 0; r < rows; ++r) {
        float* out = y + r * units;
        if (b) std::copy(b + j0, b + j1, out + j0);
        else std::fill(out + j0, out + j1, 0.0f);
        for (std::size_t j = j0; j < j1; j += column_block)
            block_product(x + r * in, w + j, in, units, std::min(column_block, j1 - j), out + j);
        activate(act, out + j0, j1 - j0);
    }
}

// Batches up to this size go through columns_forward.
constexpr std::size_t small_batch = 4;
// Below this many weights a split costs more than it saves.
constexpr std::size_t parallel_weights = 1 << 15;
// Fewer rows per thread than this make GEMMs too thin to run at full speed.
constexpr std::size_t min_share_rows = 32;

// Y = act(X . W + b)   [B, units] = [B, in].[in, units] + [units]
void forward(const float* x, const float* w, const float* b, float* y, std::size_t batch, std::size_t in,
             std::size_t units, Fused act, bool recording) {
    if (batch <= small_batch) {
        const std::size_t blocks = (units + column_block - 1) / column_block;
        auto block_range = [&](std::size_t begin, std::size_t end) {
            columns_forward(x, w, b, y, batch, in, units, begin * column_block, std::min(end * column_block, units), act);
        };
        // One contiguous share per thread, so each core keeps streaming the same columns from its own
        // cache call after call.
        detail::ThreadPool& pool = detail::ThreadPool::instance();
        const std::size_t shares = in * units < parallel_weights ? 1 : std::min(pool.threads(), blocks);
        pool.run(shares, [&](std::size_t s) { block_range(blocks * s / shares, blocks * (s + 1) / shares); });
        return;
    }
    // Inference: one share of rows per thread, each a single-threaded GEMM with its bias and
    // activation, so the threads never wait for each other between the three steps and each share's
    // output stays in its core's cache. Training (recording for autograd) keeps OpenBLAS's own
    // threads (measured: the split costs 10% there), which its backward GEMMs use right after.
    // b is pre-filled, the GEMM adds.
    auto rows = [&](std::size_t begin, std::size_t end) {
        float* out = y + begin * units;
        if (b)
            for (std::size_t r = begin; r < end; ++r) std::copy_n(b, units, y + r * units);
        detail::sgemm(false, false, end - begin, units, in, 1.0f, x + begin * in, w, b ? 1.0f : 0.0f, out);
        activate(act, out, (end - begin) * units);
    };
    if (recording) return rows(0, batch);
    detail::ThreadPool& pool = detail::ThreadPool::instance();
    const std::size_t shares = std::clamp<std::size_t>(batch / min_share_rows, 1, pool.threads());
    pool.run(shares, [&](std::size_t s) { rows(batch * s / shares, batch * (s + 1) / shares); });
}
}  // namespace

bool dense_fuses(const std::string& activation) {
    return activation == "linear" || activation == "relu" || activation == "sigmoid" || activation == "tanh";
}

Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias, const std::string& activation) {
    const Fused act = fused_activation(activation);
    if (x.rank() != 2 || kernel.rank() != 2 || x.shape()[1] != kernel.shape()[0])
        throw Error("ops::dense: expected x (batch, in) and kernel (in, units), got shapes " + to_string(x.shape()) +
                    " and " + to_string(kernel.shape()));
    const std::size_t batch = x.shape()[0], in = kernel.shape()[0], units = kernel.shape()[1];
    if (bias.defined() && bias.shape() != Shape{units})
        throw Error("ops::dense: expected bias of shape " + to_string(Shape{units}) + ", got " + to_string(bias.shape()));

    Tensor y = Tensor::empty({batch, units});
    const bool recording = grad_enabled();
    forward(x.data(), kernel.data(), bias.defined() ? bias.data() : nullptr, y.data(), batch, in, units, act, recording);
    if (!recording) return y;   // no backward closure to build

    std::vector<Tensor> inputs{x, kernel};
    if (bias.defined()) inputs.push_back(bias);
    return detail::record("dense", y, std::move(inputs),
                          [x = x.detach(), w = kernel.detach(), y = y.detach(), act, batch, in, units,
                           has_bias = bias.defined()](const Tensor& dy, InputGrads& dx) {
        Tensor dz = Tensor::empty({batch, units});
        activation_grad(act, y.data(), dy.data(), dz.data(), dz.size());
        // dX = dZ . W^T   [B, in] = [B, units].[units, in]
        if (dx.needs(0)) detail::sgemm(false, true, batch, in, units, 1.0f, dz.data(), w.data(), 1.0f, dx.acc(0).data());
        // dW = X^T . dZ   [in, units] = [in, B].[B, units]
        if (dx.needs(1)) detail::sgemm(true, false, in, units, batch, 1.0f, x.data(), dz.data(), 1.0f, dx.acc(1).data());
        // db = sum over the batch of dZ   [units]
        if (has_bias && dx.needs(2)) {
            float* db = dx.acc(2).data();
            for (std::size_t r = 0; r < batch; ++r)
                for (std::size_t j = 0; j < units; ++j) db[j] += dz.data()[r * units + j];
        }
    });
}

}  // namespace kx::ops
