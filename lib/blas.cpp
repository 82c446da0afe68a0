#include "blas.hpp"

#include <cblas.h>

namespace kx::detail {

namespace {
void call_sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
                const float* a, const float* b, float beta, float* c) {
    const auto lda = static_cast<blasint>(transpose_a ? m : k);
    const auto ldb = static_cast<blasint>(transpose_b ? k : n);
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, lda == 0 ? 1 : lda,
                b, ldb == 0 ? 1 : ldb, beta, c, static_cast<blasint>(n));
}

// OpenBLAS splits every GEMM above 2^18 multiply-adds across its threads. Below 2^22, two threads
// measured no faster here (CNN head 128x10x1600: 85 us on one thread, 101 us on two; the MLP's
// 128x128x256 at 2^22 does gain, 83 -> 53 us), and a woken OpenBLAS thread then spin-yields for
// ~0.1 s, taking the second core from the kernels of ops/parallel.hpp.
constexpr double min_threaded_multiply_adds = 1 << 22;
}  // namespace

void sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* a, const float* b, float beta, float* c) {
    if (m == 0 || n == 0) return;
    if (static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) < min_threaded_multiply_adds) {
        const SingleThreadedBlas one_thread;
        call_sgemm(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
        return;
    }
    call_sgemm(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
}

std::size_t blas_threads() {
    const int threads = openblas_get_num_threads();
    return threads > 1 ? static_cast<std::size_t>(threads) : 1;
}

SingleThreadedBlas::SingleThreadedBlas() : previous_(openblas_get_num_threads()) {
    if (previous_ != 1) openblas_set_num_threads(1);
}

SingleThreadedBlas::~SingleThreadedBlas() {
    if (previous_ != 1) openblas_set_num_threads(previous_);
}

}  // namespace kx::detail
