#include "bcemb/train/bpr_loss.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <string>
#include <vector>

#include "bcemb/util/error.h"

namespace bcemb {

namespace {

// Eight running sums, so the compiler can keep them in one vector register.
float dot(const float* __restrict a, const float* __restrict b, int64_t d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t c = 0;
  for (; c + 8 <= d; c += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[c + j] * b[c + j];
  float s = 0;
  for (; c < d; ++c) s += a[c] * b[c];
  for (int j = 0; j < 8; ++j) s += acc[j];
  return s;
}

class BprFunction : public torch::autograd::Function<BprFunction> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& table,
                                                const torch::Tensor& index, double weight_decay) {
    const int64_t n = index.size(0) / 3, d = table.size(1);
    const float* z = table.data_ptr<float>();
    const int64_t* idx = index.data_ptr<int64_t>();
    torch::Tensor margin = torch::empty({n}, table.options());
    float* m = margin.data_ptr<float>();
    torch::Tensor sigmoid = torch::empty({n}, table.options());  // sigmoid(-m_i)
    float* slope = sigmoid.data_ptr<float>();
    std::vector<double> terms(static_cast<size_t>(n));  // softplus(-m_i) + weight_decay * 0.5 * |rows of i|^2
    at::parallel_for(0, n, 256, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const float* zu = z + idx[i] * d;
        const float* zp = z + idx[n + i] * d;
        const float* zn = z + idx[2 * n + i] * d;
        m[i] = dot(zu, zp, d) - dot(zu, zn, d);
        // One exp gives softplus(-m) (the loss) and sigmoid(-m) (its slope, kept for the backward).
        const float e = std::exp(-std::fabs(m[i]));
        slope[i] = m[i] >= 0 ? e / (1 + e) : 1 / (1 + e);
        const double softplus = std::log1p(e) + std::max(-m[i], 0.0f);
        terms[i] = softplus + weight_decay * 0.5 * (static_cast<double>(dot(zu, zu, d)) + dot(zp, zp, d) + dot(zn, zn, d));
      }
    });
    double sum = 0;  // in order, so the value does not depend on the threads
    for (const double t : terms) sum += t;
    ctx->save_for_backward({table, index, sigmoid});
    ctx->saved_data["weight_decay"] = weight_decay;
    return {torch::tensor(static_cast<float>(sum / static_cast<double>(n)), table.options()), margin};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &table = saved[0], &index = saved[1], &sigmoid = saved[2];
    const double weight_decay = ctx->saved_data["weight_decay"].toDouble();
    const int64_t n = index.size(0) / 3, d = table.size(1);
    const double g_loss = grad[0].defined() ? grad[0].item<double>() : 0.0;
    const torch::Tensor g_margin = grad[1].defined() ? grad[1].contiguous() : torch::Tensor();
    // d loss / d margin_i = -sigmoid(-m_i) / n, plus the margin's own gradient.
    std::vector<float> coef(static_cast<size_t>(n));
    const float* s = sigmoid.data_ptr<float>();
    const float* gm = g_margin.defined() ? g_margin.data_ptr<float>() : nullptr;
    const auto scale = static_cast<float>(-g_loss / static_cast<double>(n));
    for (int64_t i = 0; i < n; ++i) coef[i] = scale * s[i] + (gm != nullptr ? gm[i] : 0.0f);
    const auto r = static_cast<float>(g_loss * weight_decay / static_cast<double>(n));
    torch::Tensor out = torch::zeros_like(table);
    const float* __restrict z = table.data_ptr<float>();
    float* __restrict g = out.data_ptr<float>();
    const int64_t* idx = index.data_ptr<int64_t>();
    // Rows repeat within a batch, so threads split the columns, not the rows.
    constexpr int64_t kCols = 16;
    at::parallel_for(0, (d + kCols - 1) / kCols, 1, [&](int64_t cb, int64_t ce) {
      const int64_t c0 = cb * kCols, c1 = std::min(d, ce * kCols);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t u = idx[i] * d, p = idx[n + i] * d, q = idx[2 * n + i] * d;
        const float k = coef[i];
        for (int64_t c = c0; c < c1; ++c) {
          const float zu = z[u + c], zp = z[p + c], zq = z[q + c];
          g[u + c] += k * (zp - zq) + r * zu;
          g[p + c] += k * zu + r * zp;
          g[q + c] += -k * zu + r * zq;
        }
      }
    });
    return {out, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

BprLoss bpr_loss(const torch::Tensor& table, const torch::Tensor& index, double weight_decay) {
  if (table.dim() != 2 || table.scalar_type() != torch::kFloat)
    throw Error("bpr_loss: embeddings must be a 2-D float tensor");
  if (index.dim() != 1 || index.scalar_type() != torch::kLong || index.size(0) % 3 != 0 || index.size(0) == 0)
    throw Error("bpr_loss: index must hold 3n row ids (users, positives, negatives), got " +
                std::to_string(index.numel()));
  const auto rows = table.size(0);
  const auto lo = index.min().item<int64_t>(), hi = index.max().item<int64_t>();
  if (lo < 0 || hi >= rows)
    throw Error("bpr_loss: row id " + std::to_string(lo < 0 ? lo : hi) + " outside the " + std::to_string(rows) +
                " rows of the embeddings");
  auto out = BprFunction::apply(table.contiguous(), index.contiguous(), weight_decay);
  return {out[0], out[1]};
}

}  // namespace bcemb
