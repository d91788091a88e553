#include "bcemb/model/sparse_ops.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include "bcemb/util/error.h"
#include "bcemb/util/runtime.h"

namespace bcemb {

namespace {

// out[r - row0, :] = sum_e values[e] * x[indices[e], :] for rows [begin, end); portable.
template <typename T>
void rows_times_dense(const CsrMatrix& m, const T* x, int64_t d, T* out, int64_t row0, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    T* __restrict o = out + (r - row0) * d;
    for (int64_t k = 0; k < d; ++k) o[k] = T(0);
    for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
      const T w = m.values[e];
      const T* __restrict xr = x + static_cast<int64_t>(m.indices[e]) * d;
      for (int64_t k = 0; k < d; ++k) o[k] += w * xr[k];
    }
  }
}

// AVX2+FMA: out_row[c0 : c0 + 8V] accumulates in V registers while the row's
// neighbours stream by (the portable loop re-loads and re-stores out for
// every neighbour; this halves the time of the memory-bound product).
template <int V>
__attribute__((target("avx2,fma"), always_inline)) inline void avx2_block(const CsrMatrix& m, int64_t r,
                                                                          const float* x, int64_t d, int64_t c0,
                                                                          float* out_row) {
  // The rows read are random: on a graph whose tables outgrow the caches each
  // is a miss, so the slice of the neighbour kPrefetch entries ahead (in the
  // next rows too) is requested while this one is summed.
  constexpr int64_t kPrefetch = 16;
  const int64_t nnz = m.nnz();
  __m256 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
  for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
    if (e + kPrefetch < nnz) {
      const char* ahead = reinterpret_cast<const char*>(x + static_cast<int64_t>(m.indices[e + kPrefetch]) * d + c0);
      // 32V bytes: V/2 lines, one more where the slice straddles a line.
      for (int line = 0; line < V * 32; line += 64) _mm_prefetch(ahead + line, _MM_HINT_T0);
      _mm_prefetch(ahead + V * 32 - 1, _MM_HINT_T0);
    }
    const __m256 w = _mm256_set1_ps(m.values[e]);
    const float* xr = x + static_cast<int64_t>(m.indices[e]) * d + c0;
    for (int v = 0; v < V; ++v) acc[v] = _mm256_fmadd_ps(w, _mm256_loadu_ps(xr + 8 * v), acc[v]);
  }
  for (int v = 0; v < V; ++v) _mm256_storeu_ps(out_row + c0 + 8 * v, acc[v]);
}

__attribute__((target("avx2,fma"))) void rows_times_dense_avx2(const CsrMatrix& m, const float* x, int64_t d,
                                                               float* out, int64_t row0, int64_t begin, int64_t end) {
  for (int64_t r = begin; r < end; ++r) {
    float* o = out + (r - row0) * d;
    int64_t c = 0;
    for (; c + 64 <= d; c += 64) avx2_block<8>(m, r, x, d, c, o);
    for (; c + 32 <= d; c += 32) avx2_block<4>(m, r, x, d, c, o);
    for (; c + 8 <= d; c += 8) avx2_block<1>(m, r, x, d, c, o);
    for (; c < d; ++c) {
      float a = 0;
      for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e)
        a += m.values[e] * x[static_cast<int64_t>(m.indices[e]) * d + c];
      o[c] = a;
    }
  }
}

// Rows [first, last) of m @ x.
torch::Tensor sparse_times(const CsrMatrix& m, const torch::Tensor& x, int64_t first, int64_t last) {
  const torch::Tensor xc = x.contiguous();
  auto out = torch::empty({last - first, xc.size(1)}, xc.options());
  const int64_t d = xc.size(1);
  if (xc.scalar_type() == torch::kDouble) {
    const double* xp = xc.data_ptr<double>();
    double* op = out.data_ptr<double>();
    at::parallel_for(first, last, 64, [&](int64_t b, int64_t e) { rows_times_dense(m, xp, d, op, first, b, e); });
  } else {
    const float* xp = xc.data_ptr<float>();
    float* op = out.data_ptr<float>();
    at::parallel_for(first, last, 64, [&](int64_t b, int64_t e) {
      if (cpu_has_avx2_fma()) rows_times_dense_avx2(m, xp, d, op, first, b, e);
      else rows_times_dense(m, xp, d, op, first, b, e);
    });
  }
  return out;
}

torch::Tensor sparse_times(const CsrMatrix& m, const torch::Tensor& x) { return sparse_times(m, x, 0, m.rows); }

// out += m^T g by scattering rows of g into out (cols x d): rows are read
// once in order and out stays in cache when m has few columns (an input
// table), where the transpose would gather a long column per output row.
// Each thread scatters its rows into a private table; the tables are summed.
template <typename T>
void scatter_transposed(const CsrMatrix& m, const T* g, int64_t d, T* out) {
  const int64_t parts = std::min<int64_t>(at::get_num_threads(), std::max<int64_t>(1, m.rows / 256));
  std::vector<std::vector<T>> local(static_cast<size_t>(parts));
  at::parallel_for(0, parts, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      std::vector<T>& acc = local[static_cast<size_t>(p)];
      acc.assign(static_cast<size_t>(m.cols * d), T(0));
      const int64_t r0 = m.rows * p / parts, r1 = m.rows * (p + 1) / parts;
      for (int64_t r = r0; r < r1; ++r) {
        const T* __restrict gr = g + r * d;
        for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
          const T w = m.values[e];
          T* __restrict o = acc.data() + static_cast<int64_t>(m.indices[e]) * d;
          for (int64_t k = 0; k < d; ++k) o[k] += w * gr[k];
        }
      }
    }
  });
  for (const auto& acc : local)
    for (size_t i = 0; i < acc.size(); ++i) out[i] += acc[i];
}

// a^T g, by scattering (few columns) or through the cached transpose.
torch::Tensor transposed_times(const SparsePair& a, const torch::Tensor& grad) {
  const torch::Tensor g = grad.contiguous();
  const int64_t d = g.size(1);
  // Scatter into an input table (far fewer columns than rows, small enough
  // to stay in cache); gather through the transpose otherwise (graph blocks).
  if (a.fwd.cols * 8 > a.fwd.rows || a.fwd.cols * d > (int64_t{1} << 20)) return sparse_times(a.bwd(), g);
  auto out = torch::zeros({a.fwd.cols, d}, g.options());
  if (g.scalar_type() == torch::kDouble) scatter_transposed(a.fwd, g.data_ptr<double>(), d, out.data_ptr<double>());
  else scatter_transposed(a.fwd, g.data_ptr<float>(), d, out.data_ptr<float>());
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
    return {transposed_times(held(holder), grad[0]), torch::Tensor()};
  }
};

// a x + b y in one output buffer (layer 1: own inputs + neighbours' inputs).
class SpmmSumFunction : public torch::autograd::Function<SpmmSumFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& y,
                               const torch::Tensor& ha, const torch::Tensor& hb) {
    ctx->save_for_backward({ha, hb});
    torch::Tensor out = sparse_times(held(ha).fwd, x);
    out.add_(sparse_times(held(hb).fwd, y));
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    return {transposed_times(held(saved[0]), grad[0]), transposed_times(held(saved[1]), grad[0]), torch::Tensor(),
            torch::Tensor()};
  }
};

// [x[:n] | block x]: a layer's own rows beside its neighbours' mean, side by
// side so one GEMM applies [W_self W_neigh]. The backward writes the block's
// transpose product and adds the own-row gradient into its first n rows in
// place (no zero-filled copies of x).
class SelfAndNeighborsFunction : public torch::autograd::Function<SelfAndNeighborsFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& holder) {
    ctx->save_for_backward({holder});
    const SparsePair& block = held(holder);
    const int64_t n = block.fwd.rows;
    return torch::cat({x.narrow(0, 0, n), sparse_times(block.fwd, x)}, 1);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const SparsePair& block = held(ctx->get_saved_variables()[0]);
    const int64_t n = block.fwd.rows;
    const torch::Tensor& g = grad[0];
    const int64_t d = g.size(1) / 2;
    torch::Tensor gx = transposed_times(block, g.narrow(1, d, d));
    gx.narrow(0, 0, n).add_(g.narrow(1, 0, d));
    return {gx, torch::Tensor()};
  }
};

void check_operand(const CsrMatrix& a, const torch::Tensor& x, const char* what) {
  if (x.dim() != 2 || x.size(0) != a.cols || (x.scalar_type() != torch::kFloat && x.scalar_type() != torch::kDouble))
    throw Error(std::string(what) + ": dense operand must be float or double [" + std::to_string(a.cols) + ", d], got " +
                std::to_string(x.dim()) + "-D with " + std::to_string(x.dim() > 0 ? x.size(0) : 0) + " rows");
}

}  // namespace

torch::Tensor spmm_rows(const CsrMatrix& a, int64_t begin, int64_t end, const torch::Tensor& x) {
  if (x.dim() != 2 || x.size(0) != a.cols || begin < 0 || end > a.rows || begin > end)
    throw Error("spmm_rows: bad row range or dense operand shape");
  return sparse_times(a, x, begin, end);
}

torch::Tensor spmm(const SparsePairPtr& a, const torch::Tensor& x) {
  check_operand(a->fwd, x, "spmm");
  return SpmmFunction::apply(x, holder_tensor(a));
}

torch::Tensor spmm_sum(const SparsePairPtr& a, const torch::Tensor& x, const SparsePairPtr& b, const torch::Tensor& y) {
  check_operand(a->fwd, x, "spmm_sum");
  check_operand(b->fwd, y, "spmm_sum");
  if (a->fwd.rows != b->fwd.rows || x.size(1) != y.size(1)) throw Error("spmm_sum: the two products differ in shape");
  return SpmmSumFunction::apply(x, y, holder_tensor(a), holder_tensor(b));
}

torch::Tensor self_and_neighbors(const torch::Tensor& x, const SparsePairPtr& block) {
  check_operand(block->fwd, x, "self_and_neighbors");
  if (block->fwd.rows > block->fwd.cols) throw Error("self_and_neighbors: the block has more rows than columns");
  return SelfAndNeighborsFunction::apply(x, holder_tensor(block));
}

}  // namespace bcemb
