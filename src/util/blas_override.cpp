// Linked into the executables that train, not into a library: libtorch
// computes its float matrix products through BLAS's Fortran sgemm_, and the
// dynamic linker binds that call to the executable's own definition first,
// so this routes them to bcemb::sgemm (util/gemm.h: an AVX-512 kernel for
// layer shapes where the CPU has it, OpenBLAS otherwise). The same technique
// as libxsmm's interception of sgemm_.
#include "bcemb/util/gemm.h"

extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc) {
  bcemb::sgemm(*transa, *transb, *m, *n, *k, *alpha, a, *lda, b, *ldb, *beta, c, *ldc);
}
