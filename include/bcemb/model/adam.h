#pragma once
// libtorch's Adam (same options, state and serialisation) whose step is one
// pass over each parameter: libtorch's takes about ten tensor operations per
// parameter, each with its own allocation and dispatch, which on the small
// models and batches of a recommender cost a tenth of a training step.
// Parameters it does not handle (not float or not contiguous, amsgrad, weight
// decay) go through libtorch's step.
#include <torch/torch.h>

#include <vector>

namespace bcemb {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace bcemb
