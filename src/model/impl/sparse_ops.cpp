#include "bcemb/model/sparse_ops.h"

#include <ATen/Parallel.h>

#include "bcemb/util/error.h"

namespace bcemb {

namespace {

// out[r, :] = sum_e values[e] * x[indices[e], :] for rows [begin, end).
template <typename T>
inline __attribute__((always_inline)) void rows_times_dense(const CsrMatrix& m, const T* x, int64_t d, T* out,
                                                            int64_t begin, int64_t end) {
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

// Cloned for AVX2+FMA so the row updates vectorise on the machines that have it.
__attribute__((target_clones("arch=haswell", "default"))) void rows_times_dense_f32(const CsrMatrix& m, const float* x,
                                                                                   int64_t d, float* out, int64_t begin,
                                                                                   int64_t end) {
  rows_times_dense(m, x, d, out, begin, end);
}

// Double precision serves gradient checks.
void rows_times_dense_f64(const CsrMatrix& m, const double* x, int64_t d, double* out, int64_t begin, int64_t end) {
  rows_times_dense(m, x, d, out, begin, end);
}

torch::Tensor sparse_times(const CsrMatrix& m, const torch::Tensor& x) {
  const torch::Tensor xc = x.contiguous();
  auto out = torch::empty({m.rows, xc.size(1)}, xc.options());
  const int64_t d = xc.size(1);
  if (xc.scalar_type() == torch::kDouble) {
    const double* xp = xc.data_ptr<double>();
    double* op = out.data_ptr<double>();
    at::parallel_for(0, m.rows, 64, [&](int64_t b, int64_t e) { rows_times_dense_f64(m, xp, d, op, b, e); });
  } else {
    const float* xp = xc.data_ptr<float>();
    float* op = out.data_ptr<float>();
    at::parallel_for(0, m.rows, 64, [&](int64_t b, int64_t e) { rows_times_dense_f32(m, xp, d, op, b, e); });
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
