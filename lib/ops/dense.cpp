// The fused dense kernel: activation(x . W + b) forward, and its whole gradient in one backward,
// because this is where an MLP spends its time (two GEMMs forward, four backward, per layer).
#include "blas.hpp"
#include "tape.hpp"

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
    float* out = y.data();
    // Y = act(X . W + b)   [B, units] = [B, in].[in, units] + [units]: b is pre-filled, GEMM adds (beta = 1).
    if (bias.defined())
        for (std::size_t r = 0; r < batch; ++r) std::copy_n(bias.data(), units, out + r * units);
    detail::sgemm(false, false, batch, units, in, 1.0f, x.data(), kernel.data(), bias.defined() ? 1.0f : 0.0f, out);
    activate(act, out, y.size());

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
