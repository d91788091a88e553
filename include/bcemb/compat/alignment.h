#pragma once
// Alignment losses between the previous version's embeddings and the
// transformed new ones. "mean" is over elements (as torch.nn.MSELoss in the
// reference; lambda = 16 is calibrated for it).
//   single-step: mean (z_{k-1} - B_k z_k)^2
//   multi-step:  with r = z_{k-1} - B_k z_k, the average over j = k-1 .. 0 of
//                mean (B_{j+1} ... B_{k-1} r)^2  (r itself is the first term),
//                earlier B's frozen.
#include <torch/torch.h>

#include <vector>

#include "bcemb/compat/strategy.h"

namespace bcemb {

// prev: n x d_{k-1}; mapped: B_k z_k, n x d_{k-1};
// frozen_chain: B_{k-1}, B_{k-2}, ..., B_1 (each d_{j-1} x d_j), used by multi-step only.
// weights (optional, n): how many times each row counts, so a batch's
// distinct nodes with their multiplicities give the loss of its repeated rows.
// offset (optional, n, multi-step only): a constant added to each row's
// sum over the terms (an anchored target's, below).
torch::Tensor alignment_loss(AlignmentLoss kind, const torch::Tensor& prev, const torch::Tensor& mapped,
                             const std::vector<torch::Tensor>& frozen_chain, const torch::Tensor& weights = {},
                             const torch::Tensor& offset = {});

// Anchored multi-step (strategy option `anchor`): the version-0 term is
// measured against version 0's model on version k's graph, anchor = M_0(G_k)
// (n x d_0), instead of through z_{k-1}: mean (anchor - C_0 B_k z_k)^2 with
// C_0 = B_1 ... B_{k-1}. Errors the earlier versions left then no longer
// accumulate along the chain. That loss is the plain multi-step loss towards
// a shifted target plus a constant per row (the terms are quadratic in
// B_k z_k with one metric), so training, refits and bounds run unchanged on
// {prev, offset}. Without a chain (k = 1) z_0 is M_0(G_1): no shift.
struct AnchoredTarget {
  torch::Tensor prev;    // n x d_{k-1}
  torch::Tensor offset;  // n, or undefined (k = 1)
};
AnchoredTarget anchored_target(const torch::Tensor& prev, const torch::Tensor& anchor,
                               const std::vector<torch::Tensor>& frozen_chain);

}  // namespace bcemb
