#pragma once
// Autograd through collectives: what data-parallel training needs beyond an
// allreduce of gradients.
#include <torch/torch.h>

#include "bcemb/dist/collective.h"

namespace bcemb::dist {

// Sum over ranks, differentiable: the gradient reaching each rank's input is
// the sum over ranks of the gradients of the output (each rank's loss uses
// the same sum), so every rank calls it in the same order in backward too.
torch::Tensor allreduce_sum_autograd(const torch::Tensor& x, Collective& c);

// BatchNorm1d in training mode with mean and variance over the rows of all
// ranks (sums and counts allreduced): what one process computes on the
// concatenation of the ranks' rows (a node that two ranks both compute counts
// twice, where one process with the whole batch would compute it once). The
// running statistics are updated with the same global values on every rank.
// With one rank it equals bn->forward(x).
torch::Tensor sync_batch_norm(torch::nn::BatchNorm1dImpl& bn, const torch::Tensor& x, Collective& c);

}  // namespace bcemb::dist
