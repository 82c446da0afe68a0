// Internal: the one place that talks to OpenBLAS's cblas (its <cblas.h> cannot share a translation
// unit with xtensor-blas). Row-major single-precision GEMM:
//   C[m, n] = alpha * op(A)[m, k] . op(B)[k, n] + beta * C
#pragma once

#include <cstddef>

namespace kx::detail {

void sgemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* a, const float* b, float beta, float* c);

// OpenBLAS's thread count (OPENBLAS_NUM_THREADS, else the cores): the process's thread budget.
std::size_t blas_threads();

// While one is alive, OpenBLAS runs each GEMM on its calling thread: kernels that split work across
// the budget themselves (ops/parallel.hpp) call it from every thread of the budget at once.
class SingleThreadedBlas {
public:
    SingleThreadedBlas();
    ~SingleThreadedBlas();
    SingleThreadedBlas(const SingleThreadedBlas&) = delete;
    SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

private:
    int previous_;
};

}  // namespace kx::detail
