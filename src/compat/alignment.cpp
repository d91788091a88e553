#include "bcemb/compat/alignment.h"

#include <string>

#include "bcemb/util/error.h"

namespace bcemb {

torch::Tensor alignment_loss(AlignmentLoss kind, const torch::Tensor& prev, const torch::Tensor& mapped,
                             const std::vector<torch::Tensor>& frozen_chain, const torch::Tensor& weights) {
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
  if (kind == AlignmentLoss::SingleStep || frozen_chain.empty()) {
    if (!weights.defined()) return r.pow(2).mean();
    return row_mean((r * r).sum(1)) / static_cast<double>(r.size(1));
  }
  // Term j is mean((r C_j^T)^2) = r C_j^T C_j r^T / (n d_j), with C_0 = I and
  // C_j = (the chain's j-th matrix) C_{j-1}. The chain is frozen, so the terms
  // collapse into one d x d matrix M = sum_j C_j^T C_j / d_j and the loss is
  // sum_i r_i M r_i^T / n: one n x d x d product per step instead of a chain
  // of them (BC-Aligner at version 4 of MovieLens spent a third of a step on it).
  torch::Tensor m;
  {
    torch::NoGradGuard no_grad;
    torch::Tensor c = torch::eye(r.size(1), r.options());
    m = c / static_cast<double>(r.size(1));
    for (const auto& b : frozen_chain) {
      c = torch::mm(b, c);
      m = m + torch::mm(c.t(), c) / static_cast<double>(c.size(0));
    }
  }
  const torch::Tensor total = row_mean((torch::mm(r, m) * r).sum(1));
  return total / static_cast<double>(frozen_chain.size() + 1);
}

}  // namespace bcemb
