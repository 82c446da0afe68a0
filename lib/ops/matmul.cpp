#include "blas.hpp"
#include "tape.hpp"

#include <kerasxx/error.hpp>
#include <kerasxx/ops.hpp>

namespace kx::ops {

using detail::InputGrads;

Tensor matmul(const Tensor& a, const Tensor& b) {
    if (a.rank() < 2 || b.rank() != 2 || a.shape().back() != b.shape()[0])
        throw Error("ops::matmul: expected (..., n, k) x (k, m), got shapes " + to_string(a.shape()) + " and " +
                    to_string(b.shape()));
    // Leading axes of `a` fold into its rows: row-major storage makes (..., n, k) an (N, k) matrix.
    const std::size_t k = b.shape()[0], m = b.shape()[1], rows = a.size() / k;
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    out_shape.push_back(m);
    Tensor y = Tensor::empty(out_shape);
    // Y = A . B   [N, m] = [N, k].[k, m]
    detail::sgemm(false, false, rows, m, k, 1.0f, a.data(), b.data(), 0.0f, y.data());
    return detail::record("matmul", y, {a, b}, [a = a.detach(), b = b.detach(), rows, k, m](const Tensor& dy, InputGrads& dx) {
        // dA = dY . B^T   [N, k] = [N, m].[m, k]
        if (dx.needs(0)) detail::sgemm(false, true, rows, k, m, 1.0f, dy.data(), b.data(), 1.0f, dx.acc(0).data());
        // dB = A^T . dY   [k, m] = [k, N].[N, m]
        if (dx.needs(1)) detail::sgemm(true, false, k, m, rows, 1.0f, a.data(), dy.data(), 1.0f, dx.acc(1).data());
    });
}

}  // namespace kx::ops
