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
torch::Tensor alignment_loss(AlignmentLoss kind, const torch::Tensor& prev, const torch::Tensor& mapped,
                             const std::vector<torch::Tensor>& frozen_chain, const torch::Tensor& weights = {});

}  // namespace bcemb
