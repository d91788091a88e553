#pragma once
// Training-mode BatchNorm1d, optionally followed by ReLU, as one autograd
// node (libtorch). libtorch's takes separate passes for the statistics, the
// normalisation, the ReLU and each of their backwards; on a batch's few
// thousand rows those passes were a fifth of a GNN training step.
#include <torch/torch.h>

namespace bcemb {

// y = relu?((x - mean) / sqrt(var + eps) * weight + bias) with the batch's
// mean and biased variance per column; bn's running statistics and
// num_batches_tracked are updated as bn->forward(x) updates them in training
// mode (unbiased variance, momentum or, without one, the cumulative average).
// x: float [n, bn's features], n >= 2.
torch::Tensor batch_norm_train(torch::nn::BatchNorm1dImpl& bn, const torch::Tensor& x, bool relu);

}  // namespace bcemb
