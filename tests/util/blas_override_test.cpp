#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "bcemb/util/gemm.h"

extern "C" void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);

namespace bcemb {
namespace {

// libtorch's products reach bcemb::sgemm (util/blas_override.cpp): a layer's
// product equals the kernel's to the bit, which OpenBLAS's AVX2 kernels do
// not (their sums run in another order).
TEST(BlasOverride, TorchMatmulRunsOnBcembSgemm) {
  torch::manual_seed(3);
  const int64_t rows = 200, in = 96, out = 80;
  const torch::Tensor x = torch::randn({rows, in}), w = torch::randn({out, in});
  const torch::Tensor y = torch::mm(x, w.t()).contiguous();
  // Row-major y = x w^T is column-major y^T = w x^T: sgemm('T', 'N', out, rows, in).
  std::vector<float> want(static_cast<size_t>(rows * out));
  sgemm('T', 'N', out, rows, in, 1.0f, w.data_ptr<float>(), in, x.data_ptr<float>(), in, 0.0f, want.data(), out);
  const float* got = y.data_ptr<float>();
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << "element " << i;
  if (std::string(gemm_kernel()) != "avx512") GTEST_SKIP() << "no AVX-512: both sides ran OpenBLAS";
  // The check tells the two kernels apart: OpenBLAS sums in another order.
  std::vector<float> blas(want.size());
  detail::sgemm_openblas('T', 'N', out, rows, in, 1.0f, w.data_ptr<float>(), in, x.data_ptr<float>(), in, 0.0f,
                         blas.data(), out);
  EXPECT_NE(blas, want);
}

// The entry point checks its arguments as BLAS does: an illegal one is
// reported (xerbla, on stderr) and C is left as it was; lower-case and 'C'
// flags read as BLAS reads them.
TEST(BlasOverride, IllegalArgumentsLeaveCAndFlagsReadAsBlas) {
  const int m = 32, n = 8, k = 16, short_ldc = 31;
  std::vector<float> a(static_cast<size_t>(m) * k, 1.0f), b(static_cast<size_t>(k) * n, 2.0f),
      c(static_cast<size_t>(m) * n, 7.0f);
  const float one = 1.0f, zero = 0.0f;
  sgemm_("N", "N", &m, &n, &k, &one, a.data(), &m, b.data(), &k, &zero, c.data(), &short_ldc);
  for (const float x : c) ASSERT_EQ(x, 7.0f);
  sgemm_("X", "N", &m, &n, &k, &one, a.data(), &m, b.data(), &k, &zero, c.data(), &m);
  for (const float x : c) ASSERT_EQ(x, 7.0f);
  // op(A) = A^T of a k x m matrix of ones ('c' = transposed), op(B) = B ('r').
  sgemm_("c", "r", &m, &n, &k, &one, a.data(), &k, b.data(), &k, &zero, c.data(), &m);
  for (const float x : c) ASSERT_EQ(x, 32.0f);
}

}  // namespace
}  // namespace bcemb
