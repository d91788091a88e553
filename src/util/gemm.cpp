#include "bcemb/util/gemm.h"

#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace bcemb {

namespace {

// Register tile: 16 x V rows (V vectors of 16 floats) by up to kNr columns;
// V = 3, kNr = 8 keeps 24 accumulators in the 32 vector registers. Depth is
// cut in blocks of kKc (the packed A strip and the B columns stay in L1/L2)
// and rows in blocks of kMc.
constexpr int kNr = 8, kKc = 256, kMc = 384;

#define BCEMB_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

// C tile = alpha * sum_p Ap[p] B(p, j) + (first depth block: beta C; later: C).
// Ap is packed [p][16 V]; B(p, j) is at b[p * bsp + j * bsj].
template <int V, int N>
BCEMB_AVX512 void tile(int kc, const float* ap, const float* b, int64_t bsp, int64_t bsj, float* c, int64_t ldc,
                       int rows, float alpha, float beta, bool first) {
  __m512 acc[V][N];
  for (int r = 0; r < V; ++r)
    for (int j = 0; j < N; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int p = 0; p < kc; ++p) {
    __m512 a[V];
    for (int r = 0; r < V; ++r) a[r] = _mm512_loadu_ps(ap + (p * V + r) * 16);
    const float* bp = b + p * bsp;
    for (int j = 0; j < N; ++j) {
      const __m512 bj = _mm512_set1_ps(bp[j * bsj]);
      for (int r = 0; r < V; ++r) acc[r][j] = _mm512_fmadd_ps(a[r], bj, acc[r][j]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (int r = 0; r < V; ++r) {
    const int live = std::min(16, rows - 16 * r);
    if (live <= 0) break;
    const __mmask16 mask = live == 16 ? 0xFFFF : static_cast<__mmask16>((1u << live) - 1);
    for (int j = 0; j < N; ++j) {
      float* cj = c + j * ldc + 16 * r;
      __m512 v = _mm512_mul_ps(va, acc[r][j]);
      if (!first)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, cj));
      else if (beta != 0.f)  // beta 0 ignores C, as BLAS does (it may hold NaN)
        v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, cj), v);
      _mm512_mask_storeu_ps(cj, mask, v);
    }
  }
}

using TileFn = void (*)(int, const float*, const float*, int64_t, int64_t, float*, int64_t, int, float, float, bool);
template <int V>
constexpr TileFn kTiles[kNr + 1] = {nullptr,     tile<V, 1>, tile<V, 2>, tile<V, 3>, tile<V, 4>,
                                    tile<V, 5>, tile<V, 6>, tile<V, 7>, tile<V, 8>};
constexpr const TileFn* kTileRows[4] = {nullptr, kTiles<1>, kTiles<2>, kTiles<3>};

struct Strip {
  int i0, rows, v;  // first row, rows, vectors (16 rows each)
};

// Rows in strips of 16, 32 or 48, as even as the 16-row blocks allow
// (64 rows: 32 + 32, not 48 + 16, whose one-vector tile is load-bound).
std::vector<Strip> strips_of(int m) {
  const int blocks = (m + 15) / 16, count = (blocks + 2) / 3;
  std::vector<Strip> s;
  int i0 = 0;
  for (int t = 0; t < count; ++t) {
    const int v = blocks / count + (t < blocks % count ? 1 : 0);
    s.push_back({i0, std::min(16 * v, m - i0), v});
    i0 += 16 * v;
  }
  return s;
}

bool is_n(char t) { return t == 'N' || t == 'n'; }

bool use_avx512() {
  // GCC's checks include the OS saving the vector registers (XCR0).
  // BCEMB_GEMM=openblas keeps every product on OpenBLAS (comparisons, doubt).
  static const bool use = [] {
    const char* env = std::getenv("BCEMB_GEMM");
    if (env != nullptr && std::strcmp(env, "openblas") == 0) return false;
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  }();
  return use;
}

}  // namespace

namespace detail {

void sgemm_avx512(char transa, char transb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                  int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.f) {  // C = beta C
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < m; ++i) {
        float& x = c[i + static_cast<int64_t>(j) * ldc];
        x = beta == 0.f ? 0.f : beta * x;
      }
    return;
  }
  const bool an = is_n(transa), bn = is_n(transb);
  thread_local std::vector<float> packed;
  packed.resize(static_cast<size_t>(kMc + 48) * kKc);
  float* const ap = packed.data();  // the caller's buffer, read by every OpenMP thread
  const int64_t bsp = bn ? 1 : ldb, bsj = bn ? ldb : 1;
  const int col_blocks = (n + kNr - 1) / kNr;
  for (int m0 = 0; m0 < m; m0 += kMc) {
    const int mc = std::min(kMc, m - m0);
    const std::vector<Strip> strips = strips_of(mc);
    for (int p0 = 0; p0 < k; p0 += kKc) {
      const int kc = std::min(kKc, k - p0);
      // op(A)(m0 + strip rows, p0 .. p0 + kc) per strip as [p][16 v], zero-padded.
      for (const Strip& s : strips) {
        float* dst = ap + static_cast<size_t>(s.i0) * kKc;
        const int w = 16 * s.v;
        if (an) {
          for (int p = 0; p < kc; ++p) {
            float* d = dst + p * w;
            std::memcpy(d, a + m0 + s.i0 + static_cast<int64_t>(p0 + p) * lda, s.rows * sizeof(float));
            std::fill(d + s.rows, d + w, 0.f);
          }
        } else {
          if (s.rows < w) std::fill(dst, dst + kc * w, 0.f);
          for (int i = 0; i < s.rows; ++i) {
            const float* src = a + p0 + static_cast<int64_t>(m0 + s.i0 + i) * lda;
            for (int p = 0; p < kc; ++p) dst[p * w + i] = src[p];
          }
        }
      }
      const bool first = p0 == 0;
      // Threads split the columns: each element's sum keeps one order.
#pragma omp parallel for schedule(static)
      for (int jb = 0; jb < col_blocks; ++jb) {
        const int j0 = jb * kNr, nr = std::min(kNr, n - j0);
        const float* bj = b + (bn ? p0 + static_cast<int64_t>(j0) * ldb : j0 + static_cast<int64_t>(p0) * ldb);
        for (const Strip& s : strips)
          kTileRows[s.v][nr](kc, ap + static_cast<size_t>(s.i0) * kKc, bj, bsp, bsj,
                             c + m0 + s.i0 + static_cast<int64_t>(j0) * ldc, ldc, s.rows, alpha, beta, first);
      }
    }
  }
}

void sgemm_openblas(char transa, char transb, int m, int n, int k, float alpha, const float* a, int lda,
                    const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasColMajor, is_n(transa) ? CblasNoTrans : CblasTrans, is_n(transb) ? CblasNoTrans : CblasTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace detail

const char* gemm_kernel() { return use_avx512() ? "avx512" : "openblas"; }

void sgemm(char transa, char transb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc) {
  // Below these sizes a 16-row tile is mostly padding or the call is too
  // small to matter; OpenBLAS keeps them.
  if (use_avx512() && m >= 16 && n >= 8 && k >= 8) {
    detail::sgemm_avx512(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  detail::sgemm_openblas(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace bcemb
