#include <cblas.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "bcemb/util/gemm.h"

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
  cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, out, rows, in, 1.0f, w.data_ptr<float>(), in,
              x.data_ptr<float>(), in, 0.0f, blas.data(), out);
  EXPECT_NE(blas, want);
}

}  // namespace
}  // namespace bcemb
