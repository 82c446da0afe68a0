#include "blas.hpp"

#include <cblas.h>

namespace kx::detail {

void sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* a, const float* b, float beta, float* c) {
    if (m == 0 || n == 0) return;
    const auto lda = static_cast<blasint>(transpose_a ? m : k);
    const auto ldb = static_cast<blasint>(transpose_b ? k : n);
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, lda == 0 ? 1 : lda,
                b, ldb == 0 ? 1 : ldb, beta, c, static_cast<blasint>(n));
}

}  // namespace kx::detail
