// Internal: the one place that talks to OpenBLAS's cblas (its <cblas.h> cannot share a translation
// unit with xtensor-blas). Row-major single-precision GEMM:
//   C[m, n] = alpha * op(A)[m, k] . op(B)[k, n] + beta * C
#pragma once

#include <cstddef>

namespace kx::detail {

void sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* a, const float* b, float beta, float* c);

}  // namespace kx::detail
