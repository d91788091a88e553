#pragma once
// The BPR loss of a batch in one autograd node (libtorch). The rows of the
// batch are gathered from the model's output inside it, and its backward
// writes the output's gradient directly: no per-row copies, splits and
// elementwise intermediates, which cost a training step on a small graph
// about as much as the GNN itself.
#include <torch/torch.h>

namespace bcemb {

struct BprLoss {
  torch::Tensor loss;    // scalar: mean_i softplus(-margin_i) + weight_decay * 0.5 * sum_rows |z_row|^2 / n
  torch::Tensor margin;  // n: z_u . z_pos - z_u . z_neg per triple (differentiable, e.g. for distillation)
};

// table: embeddings (rows x d, float); index: 3n row ids of `table`, laid out
// [users; positives; negatives]. Gradient flows to `table`.
BprLoss bpr_loss(const torch::Tensor& table, const torch::Tensor& index, double weight_decay);

}  // namespace bcemb
