#include "bcemb/model/batch_norm.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bcemb/util/error.h"

namespace bcemb {

namespace {

// Rows are summed in fixed blocks (in float, vectorised over columns), then
// the blocks in order in double: the statistics do not depend on the number
// of threads.
constexpr int64_t kRowBlock = 256;

int64_t blocks_of(int64_t n) { return (n + kRowBlock - 1) / kRowBlock; }

// Forward statistics of rows [i0, i1): sums of (x - k) and (x - k)^2 per
// column (k: the first row, so that the variance does not cancel).
__attribute__((target_clones("avx2", "default"))) void stats_block(const float* __restrict x, const float* __restrict k,
                                                                   int64_t i0, int64_t i1, int64_t d,
                                                                   float* __restrict s1, float* __restrict s2) {
  for (int64_t c = 0; c < d; ++c) s1[c] = s2[c] = 0;
  for (int64_t i = i0; i < i1; ++i) {
    const float* r = x + i * d;
    for (int64_t c = 0; c < d; ++c) {
      const float v = r[c] - k[c];
      s1[c] += v;
      s2[c] += v * v;
    }
  }
}

__attribute__((target_clones("avx2", "default"))) void normalize_rows(const float* __restrict x, float* __restrict y,
                                                                      const float* __restrict scale,
                                                                      const float* __restrict shift, int64_t i0,
                                                                      int64_t i1, int64_t d, bool relu) {
  for (int64_t i = i0; i < i1; ++i) {
    const float* r = x + i * d;
    float* o = y + i * d;
    if (relu)
      for (int64_t c = 0; c < d; ++c) o[c] = std::max(r[c] * scale[c] + shift[c], 0.0f);
    else
      for (int64_t c = 0; c < d; ++c) o[c] = r[c] * scale[c] + shift[c];
  }
}

// Backward sums of rows [i0, i1): dy and dy * (x - mean) per column, where dy
// is the incoming gradient, zero where ReLU cut (y <= 0).
__attribute__((target_clones("avx2", "default"))) void grad_block(const float* __restrict g, const float* __restrict y,
                                                                  const float* __restrict x, const float* __restrict mu,
                                                                  int64_t i0, int64_t i1, int64_t d, bool relu,
                                                                  float* __restrict s1, float* __restrict s2) {
  for (int64_t c = 0; c < d; ++c) s1[c] = s2[c] = 0;
  for (int64_t i = i0; i < i1; ++i) {
    const float *gr = g + i * d, *yr = y + i * d, *xr = x + i * d;
    for (int64_t c = 0; c < d; ++c) {
      const float dy = relu && yr[c] <= 0 ? 0.0f : gr[c];
      s1[c] += dy;
      s2[c] += dy * (xr[c] - mu[c]);
    }
  }
}

// dx = k * (dy - m1 - (x - mean) * m2) per column.
__attribute__((target_clones("avx2", "default"))) void grad_rows(const float* __restrict g, const float* __restrict y,
                                                                 const float* __restrict x, const float* __restrict mu,
                                                                 const float* __restrict k, const float* __restrict m1,
                                                                 const float* __restrict m2, int64_t i0, int64_t i1,
                                                                 int64_t d, bool relu, float* __restrict gx) {
  for (int64_t i = i0; i < i1; ++i) {
    const float *gr = g + i * d, *yr = y + i * d, *xr = x + i * d;
    float* o = gx + i * d;
    for (int64_t c = 0; c < d; ++c) {
      const float dy = relu && yr[c] <= 0 ? 0.0f : gr[c];
      o[c] = k[c] * (dy - m1[c] - (xr[c] - mu[c]) * m2[c]);
    }
  }
}

// Per column, the blocks' two float sums added in order in double.
template <typename F>
std::vector<double> column_sums(int64_t n, int64_t d, F block) {
  const int64_t blocks = blocks_of(n);
  std::vector<float> partial(static_cast<size_t>(blocks * 2 * d));
  at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      float* p = partial.data() + b * 2 * d;
      block(b * kRowBlock, std::min(n, (b + 1) * kRowBlock), p, p + d);
    }
  });
  std::vector<double> total(static_cast<size_t>(2 * d), 0.0);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t j = 0; j < 2 * d; ++j) total[j] += partial[b * 2 * d + j];
  return total;
}

class BatchNormFunction : public torch::autograd::Function<BatchNormFunction> {
 public:
  // Returns {y, the batch's mean, its biased variance}; only y is differentiable.
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                                const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                                                bool relu) {
    const int64_t n = x.size(0), d = x.size(1);
    const float* xp = x.data_ptr<float>();
    const std::vector<double> sums =
        column_sums(n, d, [&](int64_t i0, int64_t i1, float* s1, float* s2) { stats_block(xp, xp, i0, i1, d, s1, s2); });
    torch::Tensor mean = torch::empty({d}, x.options()), var = torch::empty({d}, x.options()),
                  invstd = torch::empty({d}, x.options());
    float *mp = mean.data_ptr<float>(), *vp = var.data_ptr<float>(), *ip = invstd.data_ptr<float>();
    std::vector<float> scale(static_cast<size_t>(d)), shift(static_cast<size_t>(d));
    const float* w = weight.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    for (int64_t c = 0; c < d; ++c) {
      const double shifted = sums[c] / static_cast<double>(n);
      const double mu = xp[c] + shifted;
      const double v = std::max(0.0, sums[d + c] / static_cast<double>(n) - shifted * shifted);
      const double is = 1.0 / std::sqrt(v + eps);
      mp[c] = static_cast<float>(mu);
      vp[c] = static_cast<float>(v);
      ip[c] = static_cast<float>(is);
      scale[c] = static_cast<float>(is * w[c]);
      shift[c] = static_cast<float>(b[c] - mu * is * w[c]);
    }
    torch::Tensor y = torch::empty_like(x);
    float* yp = y.data_ptr<float>();
    at::parallel_for(0, n, kRowBlock, [&](int64_t i0, int64_t i1) {
      normalize_rows(xp, yp, scale.data(), shift.data(), i0, i1, d, relu);
    });
    ctx->save_for_backward({x, weight, mean, invstd, y});
    ctx->saved_data["relu"] = relu;
    ctx->mark_non_differentiable({mean, var});
    return {y, mean, var};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &x = saved[0], &weight = saved[1], &mean = saved[2], &invstd = saved[3], &y = saved[4];
    const bool relu = ctx->saved_data["relu"].toBool();
    const torch::Tensor g = grad[0].contiguous();
    const int64_t n = x.size(0), d = x.size(1);
    const float *xp = x.data_ptr<float>(), *gp = g.data_ptr<float>(), *yp = y.data_ptr<float>();
    const float *mu = mean.data_ptr<float>(), *is = invstd.data_ptr<float>(), *w = weight.data_ptr<float>();
    // Per column: S1 = sum dy (the bias's gradient), S2 = sum dy (x - mean); the weight's is S2 * invstd.
    const std::vector<double> sums = column_sums(
        n, d, [&](int64_t i0, int64_t i1, float* s1, float* s2) { grad_block(gp, yp, xp, mu, i0, i1, d, relu, s1, s2); });
    torch::Tensor gw = torch::empty({d}, x.options()), gb = torch::empty({d}, x.options());
    float *gwp = gw.data_ptr<float>(), *gbp = gb.data_ptr<float>();
    std::vector<float> k(static_cast<size_t>(d)), m1(static_cast<size_t>(d)), m2(static_cast<size_t>(d));
    for (int64_t c = 0; c < d; ++c) {
      gbp[c] = static_cast<float>(sums[c]);
      gwp[c] = static_cast<float>(sums[d + c] * is[c]);
      // dx = w invstd (dy - S1 / n - xhat S2 invstd / n), xhat = (x - mean) invstd
      k[c] = w[c] * is[c];
      m1[c] = static_cast<float>(sums[c] / static_cast<double>(n));
      m2[c] = static_cast<float>(sums[d + c] * is[c] * is[c] / static_cast<double>(n));
    }
    torch::Tensor gx = torch::empty_like(x);
    float* gxp = gx.data_ptr<float>();
    at::parallel_for(0, n, kRowBlock, [&](int64_t i0, int64_t i1) {
      grad_rows(gp, yp, xp, mu, k.data(), m1.data(), m2.data(), i0, i1, d, relu, gxp);
    });
    return {gx, gw, gb, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor batch_norm_train(torch::nn::BatchNorm1dImpl& bn, const torch::Tensor& x, bool relu) {
  const auto& o = bn.options;
  if (x.dim() != 2 || x.scalar_type() != torch::kFloat || x.size(1) != o.num_features() || x.size(0) < 2)
    throw Error("batch_norm_train: input must be float [n >= 2, " + std::to_string(o.num_features()) + "]");
  if (!o.affine() || !o.track_running_stats()) throw Error("batch_norm_train: needs affine parameters and running statistics");
  const auto out = BatchNormFunction::apply(x.contiguous(), bn.weight, bn.bias, o.eps(), relu);
  {
    torch::NoGradGuard no_grad;
    const int64_t n = x.size(0);
    bn.num_batches_tracked.add_(1);
    const double momentum =
        o.momentum().has_value() ? *o.momentum() : 1.0 / static_cast<double>(bn.num_batches_tracked.item<int64_t>());
    // The running variance is the unbiased one.
    bn.running_mean.mul_(1 - momentum).add_(out[1], momentum);
    bn.running_var.mul_(1 - momentum).add_(out[2] * (static_cast<double>(n) / static_cast<double>(n - 1)), momentum);
  }
  return out[0];
}

}  // namespace bcemb
