#pragma once
// Single-precision GEMM with BLAS's sgemm semantics (column-major):
//   C (m x n) = alpha op(A) op(B) + beta C,  op(X) = X ('N') or X^T ('T').
//
// On a CPU whose AVX-512 (F, VL, BW, DQ) the OS enables, the shapes of a GNN
// or MLP layer (m at least 16, n and k at least 8) run on our own AVX-512
// kernel; everything else on OpenBLAS. Arguments are not checked (the
// sgemm_ entry point in util/blas_override.cpp checks them as BLAS does). Debian's OpenBLAS
// 0.3.21 runs its AVX2 kernels on CPUs it does not know, such as AMD Zen 5
// (its own AVX-512 kernels compute wrong results or crash on some of them,
// so environments pin OPENBLAS_CORETYPE), and layer-sized products take
// about twice as long there. Each element of C is summed in the same order
// whatever the thread count.
#include <cstdint>

namespace bcemb {

void sgemm(char transa, char transb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc);

// Whether sgemm uses the AVX-512 kernel ("avx512") or OpenBLAS only
// ("openblas": no AVX-512, or BCEMB_GEMM=openblas in the environment);
// benchmarks record it beside their figures.
const char* gemm_kernel();

namespace detail {
// The AVX-512 kernel itself, any shape with m, n, k >= 0; only where
// gemm_kernel() is "avx512". Exposed for tests.
void sgemm_avx512(char transa, char transb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                  int ldb, float beta, float* c, int ldc);
// OpenBLAS's sgemm, the same arguments: sgemm's fallback, and what tests and
// benchmarks compare the kernel with.
void sgemm_openblas(char transa, char transb, int m, int n, int k, float alpha, const float* a, int lda,
                    const float* b, int ldb, float beta, float* c, int ldc);
}  // namespace detail

}  // namespace bcemb
