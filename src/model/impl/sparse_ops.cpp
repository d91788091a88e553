#include "bcemb/model/sparse_ops.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include "bcemb/util/error.h"

namespace bcemb {

namespace {

// out[r, :] = sum_e values[e] * x[indices[e], :] for rows [begin, end); portable.
template <typename T>
void rows_times_dense(const CsrMatrix& m, const T* x, int64_t d, T* out, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    T* __restrict o = out + r * d;
    for (int64_t k = 0; k < d; ++k) o[k] = T(0);
    for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
      const T w = m.values[e];
      const T* __restrict xr = x + static_cast<int64_t>(m.indices[e]) * d;
      for (int64_t k = 0; k < d; ++k) o[k] += w * xr[k];
    }
  }
}

// AVX2+FMA: out[r, c0 : c0 + 8V] accumulates in V registers while the row's
// neighbours stream by (the portable loop re-loads and re-stores out for
// every neighbour; this halves the time of the memory-bound product).
template <int V>
__attribute__((target("avx2,fma"), always_inline)) inline void avx2_block(const CsrMatrix& m, int64_t r,
                                                                          const float* x, int64_t d, int64_t c0,
                                                                          float* out) {
  __m256 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
  for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
    const __m256 w = _mm256_set1_ps(m.values[e]);
    const float* xr = x + static_cast<int64_t>(m.indices[e]) * d + c0;
    for (int v = 0; v < V; ++v) acc[v] = _mm256_fmadd_ps(w, _mm256_loadu_ps(xr + 8 * v), acc[v]);
  }
  for (int v = 0; v < V; ++v) _mm256_storeu_ps(out + r * d + c0 + 8 * v, acc[v]);
}

__attribute__((target("avx2,fma"))) void rows_times_dense_avx2(const CsrMatrix& m, const float* x, int64_t d,
                                                               float* out, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    int64_t c = 0;
    for (; c + 64 <= d; c += 64) avx2_block<8>(m, r, x, d, c, out);
    for (; c + 32 <= d; c += 32) avx2_block<4>(m, r, x, d, c, out);
    for (; c + 8 <= d; c += 8) avx2_block<1>(m, r, x, d, c, out);
    for (; c < d; ++c) {
      float a = 0;
      for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e)
        a += m.values[e] * x[static_cast<int64_t>(m.indices[e]) * d + c];
      out[r * d + c] = a;
    }
  }
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");

torch::Tensor sparse_times(const CsrMatrix& m, const torch::Tensor& x) {
  const torch::Tensor xc = x.contiguous();
  auto out = torch::empty({m.rows, xc.size(1)}, xc.options());
  const int64_t d = xc.size(1);
  if (xc.scalar_type() == torch::kDouble) {
    const double* xp = xc.data_ptr<double>();
    double* op = out.data_ptr<double>();
    at::parallel_for(0, m.rows, 64, [&](int64_t b, int64_t e) { rows_times_dense(m, xp, d, op, b, e); });
  } else {
    const float* xp = xc.data_ptr<float>();
    float* op = out.data_ptr<float>();
    at::parallel_for(0, m.rows, 64, [&](int64_t b, int64_t e) {
      if (kHasAvx2) rows_times_dense_avx2(m, xp, d, op, b, e);
      else rows_times_dense(m, xp, d, op, b, e);
    });
  }
  return out;
}

// The sparse operand travels through autograd as a one-byte tensor whose
// deleter holds a reference to it, so it lives as long as the graph needs it.
torch::Tensor holder_tensor(const SparsePairPtr& a) {
  return torch::from_blob(
      const_cast<void*>(static_cast<const void*>(a.get())), {1}, [a](void*) {},
      torch::TensorOptions().dtype(torch::kUInt8));
}

const SparsePair& held(const torch::Tensor& holder) { return *static_cast<const SparsePair*>(holder.data_ptr()); }

class SpmmFunction : public torch::autograd::Function<SpmmFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& holder) {
    ctx->save_for_backward({holder});
    return sparse_times(held(holder).fwd, x);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const torch::Tensor holder = ctx->get_saved_variables()[0];
    return {sparse_times(held(holder).bwd, grad[0]), torch::Tensor()};
  }
};

class PrefixRowsFunction : public torch::autograd::Function<PrefixRowsFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, int64_t n) {
    ctx->saved_data["rows"] = x.size(0);
    return x.narrow(0, 0, n).contiguous();
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const int64_t rows = ctx->saved_data["rows"].toInt();
    const auto& g = grad[0];
    return {torch::cat({g, torch::zeros({rows - g.size(0), g.size(1)}, g.options())}), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor prefix_rows(const torch::Tensor& x, int64_t n) { return PrefixRowsFunction::apply(x, n); }

torch::Tensor spmm(const SparsePairPtr& a, const torch::Tensor& x) {
  if (x.dim() != 2 || x.size(0) != a->fwd.cols ||
      (x.scalar_type() != torch::kFloat && x.scalar_type() != torch::kDouble))
    throw Error("spmm: dense operand must be float or double [" + std::to_string(a->fwd.cols) + ", d], got " +
                std::to_string(x.dim()) + "-D with " + std::to_string(x.dim() > 0 ? x.size(0) : 0) + " rows");
  return SpmmFunction::apply(x, holder_tensor(a));
}

}  // namespace bcemb
