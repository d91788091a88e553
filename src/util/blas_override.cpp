// Linked into the executables that train, not into a library: libtorch
// computes its float matrix products through BLAS's Fortran sgemm_, and the
// dynamic linker binds that call to the executable's own definition first,
// so this routes them to bcemb::sgemm (util/gemm.h: an AVX-512 kernel for
// layer shapes where the CPU has it, OpenBLAS otherwise). The same technique
// as libxsmm's interception of sgemm_.
#include <algorithm>

#include "bcemb/util/gemm.h"

extern "C" void xerbla_(const char* name, const int* info, int len);

namespace {

// BLAS's reading of a transpose flag for real data: 'N'/'R' as is, 'T'/'C'
// transposed, either case; 0 for anything else.
char transpose_flag(char t) {
  switch (t) {
    case 'N': case 'n': case 'R': case 'r': return 'N';
    case 'T': case 't': case 'C': case 'c': return 'T';
    default: return 0;
  }
}

}  // namespace

extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc) {
  // Reference BLAS's checks, in its order: an illegal argument is reported
  // through xerbla (parameter number) and C is left as it was.
  const char ta = transpose_flag(*transa), tb = transpose_flag(*transb);
  const int rows_a = ta == 'N' ? *m : *k, rows_b = tb == 'N' ? *k : *n;
  int info = 0;
  if (ta == 0) info = 1;
  else if (tb == 0) info = 2;
  else if (*m < 0) info = 3;
  else if (*n < 0) info = 4;
  else if (*k < 0) info = 5;
  else if (*lda < std::max(1, rows_a)) info = 8;
  else if (*ldb < std::max(1, rows_b)) info = 10;
  else if (*ldc < std::max(1, *m)) info = 13;
  if (info != 0) {
    xerbla_("SGEMM ", &info, 6);
    return;
  }
  bcemb::sgemm(ta, tb, *m, *n, *k, *alpha, a, *lda, b, *ldb, *beta, c, *ldc);
}
