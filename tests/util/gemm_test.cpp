#include "bcemb/util/gemm.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace bcemb {
namespace {

using Gemm = void (*)(char, char, int, int, int, float, const float*, int, const float*, int, float, float*, int);

struct Case {
  char ta, tb;
  int m, n, k;
  float alpha, beta;
};

// Runs one case through `gemm` with leading dimensions padded past the
// operands (so strides are exercised) and checks every element of C, and
// that C's padding is untouched, against a double-precision reference.
void check(Gemm gemm, const Case& t) {
  const bool an = t.ta == 'N', bn = t.tb == 'N';
  const int arows = an ? t.m : t.k, acols = an ? t.k : t.m;
  const int brows = bn ? t.k : t.n, bcols = bn ? t.n : t.k;
  const int lda = arows + 3, ldb = brows + 5, ldc = t.m + 2;
  std::mt19937 rng(static_cast<unsigned>(t.m * 131 + t.n * 17 + t.k));
  std::normal_distribution<float> normal;
  // C has two sentinel columns past n.
  std::vector<float> a(static_cast<size_t>(lda) * acols), b(static_cast<size_t>(ldb) * bcols),
      c(static_cast<size_t>(ldc) * (t.n + 2));
  for (auto& x : a) x = normal(rng);
  for (auto& x : b) x = normal(rng);
  for (auto& x : c) x = normal(rng);
  const std::vector<float> c0 = c;
  gemm(t.ta, t.tb, t.m, t.n, t.k, t.alpha, a.data(), lda, b.data(), ldb, t.beta, c.data(), ldc);
  const std::string what = std::string(1, t.ta) + t.tb + " m=" + std::to_string(t.m) + " n=" + std::to_string(t.n) +
                           " k=" + std::to_string(t.k) + " alpha=" + std::to_string(t.alpha) +
                           " beta=" + std::to_string(t.beta);
  for (int j = 0; j < t.n + 2; ++j) {
    for (int i = 0; i < ldc; ++i) {
      const size_t at = static_cast<size_t>(i) + static_cast<size_t>(j) * ldc;
      if (i >= t.m || j >= t.n) {
        ASSERT_EQ(c[at], c0[at]) << what << ": wrote outside C at (" << i << ", " << j << ")";
        continue;
      }
      double sum = 0, mag = 0;
      for (int p = 0; p < t.k; ++p) {
        const double x = an ? a[i + static_cast<size_t>(p) * lda] : a[p + static_cast<size_t>(i) * lda];
        const double y = bn ? b[p + static_cast<size_t>(j) * ldb] : b[j + static_cast<size_t>(p) * ldb];
        sum += x * y;
        mag += std::fabs(x * y);
      }
      const double want = t.alpha * sum + (t.beta == 0.f ? 0.0 : t.beta * c0[at]);
      const double tol = 1e-5 * (std::fabs(t.alpha) * mag + std::fabs(t.beta * c0[at])) + 1e-6;
      ASSERT_NEAR(c[at], want, tol) << what << " at (" << i << ", " << j << ")";
    }
  }
}

// Tails of every blocking: 16-row vectors, 48-row strips, the 384-row block,
// 8-column tiles and the 256-deep block, plus the degenerate sizes.
std::vector<Case> cases() {
  std::vector<Case> out;
  for (const char ta : {'N', 'T'})
    for (const char tb : {'N', 'T'}) {
      for (const int m : {1, 15, 16, 17, 33, 48, 49, 64, 80, 112, 400})
        for (const int n : {1, 7, 9, 17}) out.push_back({ta, tb, m, n, 37, 1.0f, 0.0f});
      for (const int k : {1, 8, 255, 256, 257, 600}) out.push_back({ta, tb, 50, 12, k, 0.5f, 2.0f});
      out.push_back({ta, tb, 64, 64, 64, -1.0f, 1.0f});
      out.push_back({ta, tb, 400, 9, 300, 1.5f, -0.5f});  // two row blocks, two depth blocks
      out.push_back({ta, tb, 20, 10, 30, 0.0f, 0.5f});    // alpha 0: C = beta C
      out.push_back({ta, tb, 20, 10, 0, 1.0f, 0.5f});   // k = 0: C = beta C
      out.push_back({ta, tb, 20, 10, 30, 0.0f, 0.0f});  // alpha 0 and beta 0: C = 0
    }
  return out;
}

TEST(Gemm, MatchesTheReferenceForEveryTransposeAndBlockTail) {
  for (const Case& t : cases()) {
    check(&sgemm, t);
    if (HasFatalFailure()) return;
  }
}

TEST(Gemm, Avx512KernelMatchesTheReferenceOnShapesTheDispatchGivesOpenBlas) {
  if (std::string(gemm_kernel()) != "avx512") GTEST_SKIP() << "this CPU has no AVX-512: sgemm runs OpenBLAS only";
  for (const Case& t : cases()) {
    check(&detail::sgemm_avx512, t);
    if (HasFatalFailure()) return;
  }
}

TEST(Gemm, BetaZeroIgnoresWhatCHeld) {
  // BLAS reads no C when beta is 0, so uninitialised memory (NaN) is fine.
  const int m = 32, n = 8, k = 16;
  std::vector<float> a(static_cast<size_t>(m) * k, 1.0f), b(static_cast<size_t>(k) * n, 2.0f),
      c(static_cast<size_t>(m) * n, std::numeric_limits<float>::quiet_NaN());
  sgemm('N', 'N', m, n, k, 1.0f, a.data(), m, b.data(), k, 0.0f, c.data(), m);
  for (const float x : c) ASSERT_EQ(x, 32.0f);
}

TEST(Gemm, Avx512ResultDoesNotDependOnTheThreadCount) {
  // Threads split C's columns; each element is summed in one order.
  // (OpenBLAS's results do depend on it.)
  if (std::string(gemm_kernel()) != "avx512") GTEST_SKIP() << "this CPU has no AVX-512: sgemm runs OpenBLAS only";
  const int m = 128, n = 300, k = 700;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::vector<float> a(static_cast<size_t>(m) * k), b(static_cast<size_t>(k) * n);
  for (auto& x : a) x = normal(rng);
  for (auto& x : b) x = normal(rng);
  auto run = [&](int threads) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    std::vector<float> c(static_cast<size_t>(m) * n);
    detail::sgemm_avx512('N', 'N', m, n, k, 1.0f, a.data(), m, b.data(), k, 0.0f, c.data(), m);
    omp_set_num_threads(before);
    return c;
  };
  EXPECT_EQ(run(1), run(3));
}

}  // namespace
}  // namespace bcemb
