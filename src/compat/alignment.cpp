#include "bcemb/compat/alignment.h"

#include <string>
#include <utility>

#include "bcemb/util/error.h"

namespace bcemb {

namespace {

// Term j is mean((r C_j^T)^2) = r C_j^T C_j r^T / (n d_j), with C_{k-1} = I and
// C_j = (the chain's next matrix) C_{j+1}. The chain is frozen, so the terms
// collapse into one d x d matrix M = sum_j C_j^T C_j / d_j and the loss is
// sum_i r_i M r_i^T / n: one n x d x d product per step instead of a chain
// of them (BC-Aligner at version 4 of MovieLens spent a third of a step on it).
// Returns M and C_0 (d_0 x d).
std::pair<torch::Tensor, torch::Tensor> multi_step_metric(int64_t d, const std::vector<torch::Tensor>& frozen_chain,
                                                          const torch::TensorOptions& options) {
  torch::NoGradGuard no_grad;
  torch::Tensor c = torch::eye(d, options);
  torch::Tensor m = c / static_cast<double>(d);
  for (const auto& b : frozen_chain) {
    c = torch::mm(b.to(options.dtype()), c);
    m = m + torch::mm(c.t(), c) / static_cast<double>(c.size(0));
  }
  return {m, c};
}

}  // namespace

torch::Tensor alignment_loss(AlignmentLoss kind, const torch::Tensor& prev, const torch::Tensor& mapped,
                             const std::vector<torch::Tensor>& frozen_chain, const torch::Tensor& weights,
                             const torch::Tensor& offset) {
  if (kind == AlignmentLoss::None) throw Error("alignment_loss called without an alignment loss");
  if (!prev.sizes().equals(mapped.sizes())) throw Error("alignment: previous and mapped embeddings differ in shape");
  if (weights.defined() && (weights.dim() != 1 || weights.size(0) != prev.size(0)))
    throw Error("alignment: " + std::to_string(weights.numel()) + " row weights for " + std::to_string(prev.size(0)) +
                " rows");
  const torch::Tensor r = prev - mapped;
  // The mean over rows of a per-row value, each row counted weights[i] times.
  auto row_mean = [&](const torch::Tensor& per_row) {
    return weights.defined() ? torch::dot(per_row, weights) / weights.sum() : per_row.mean();
  };
  if (offset.defined() && (kind != AlignmentLoss::MultiStep || offset.dim() != 1 || offset.size(0) != prev.size(0)))
    throw Error("alignment: an offset is one value per row of a multi-step loss");
  if (kind == AlignmentLoss::SingleStep || (frozen_chain.empty() && !offset.defined())) {
    if (!weights.defined()) return r.pow(2).mean();
    return row_mean((r * r).sum(1)) / static_cast<double>(r.size(1));
  }
  const torch::Tensor m = multi_step_metric(r.size(1), frozen_chain, r.options()).first;
  torch::Tensor per_row = (torch::mm(r, m) * r).sum(1);
  if (offset.defined()) per_row = per_row + offset;
  return row_mean(per_row) / static_cast<double>(frozen_chain.size() + 1);
}

AnchoredTarget anchored_target(const torch::Tensor& prev, const torch::Tensor& anchor,
                               const std::vector<torch::Tensor>& frozen_chain) {
  if (frozen_chain.empty()) return {prev, {}};
  torch::NoGradGuard no_grad;
  const int64_t n = prev.size(0), d = prev.size(1);
  if (anchor.dim() != 2 || anchor.size(0) != n)
    throw Error("anchored alignment: " + std::to_string(anchor.size(0)) + " anchor rows for " + std::to_string(n) +
                " nodes");
  // In double: M's inverse, and the offsets are differences of similar sums.
  const auto [m, c0] = multi_step_metric(d, frozen_chain, prev.options().dtype(torch::kDouble));
  if (anchor.size(1) != c0.size(0))
    throw Error("anchored alignment: anchor is " + std::to_string(anchor.size(1)) + " wide, version 0 is " +
                std::to_string(c0.size(0)));
  const double d0 = static_cast<double>(c0.size(0));
  // With r = prev - mapped and e = anchor - prev C_0^T, the version-0 term
  // (e + r C_0^T)^2 / d_0 replaces (r C_0^T)^2 / d_0, so each row's sum is
  // r M r^T + 2 r g^T + |e|^2 / d_0 with g = e C_0 / d_0, which is
  // (r + g M^-1) M (r + g M^-1)^T + |e|^2 / d_0 - g M^-1 g^T: the multi-step
  // sum towards prev + g M^-1, plus that constant.
  const torch::Tensor p = prev.to(torch::kDouble);
  const torch::Tensor e = anchor.to(torch::kDouble) - torch::mm(p, c0.t());
  const torch::Tensor g = torch::mm(e, c0) / d0;
  const torch::Tensor shift = torch::mm(g, torch::linalg::inv(m));  // M is symmetric
  const torch::Tensor offset = e.pow(2).sum(1) / d0 - (g * shift).sum(1);
  return {(p + shift).to(prev.scalar_type()).contiguous(), offset.to(prev.scalar_type()).contiguous()};
}

}  // namespace bcemb
