#include "bcemb/compat/alignment.h"

#include "bcemb/util/error.h"

namespace bcemb {

torch::Tensor alignment_loss(AlignmentLoss kind, const torch::Tensor& prev, const torch::Tensor& mapped,
                             const std::vector<torch::Tensor>& frozen_chain) {
  if (kind == AlignmentLoss::None) throw Error("alignment_loss called without an alignment loss");
  if (!prev.sizes().equals(mapped.sizes())) throw Error("alignment: previous and mapped embeddings differ in shape");
  const torch::Tensor r = prev - mapped;
  if (kind == AlignmentLoss::SingleStep || frozen_chain.empty()) return r.pow(2).mean();
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
  const torch::Tensor total = (torch::mm(r, m) * r).sum() / static_cast<double>(r.size(0));
  return total / static_cast<double>(frozen_chain.size() + 1);
}

}  // namespace bcemb
