#pragma once
// Copies of a module's parameter and buffer values, e.g. to keep the best epoch.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace bcemb {

std::vector<torch::Tensor> snapshot(const torch::nn::Module& m);
void restore(torch::nn::Module& m, const std::vector<torch::Tensor>& state);

// torch archive bytes of a module, and back. Loading checks that every
// parameter and buffer keeps its shape (libtorch would silently resize them),
// so a checkpoint of another architecture is an Error naming `where`.
std::string save_module(torch::nn::Module& m);
void load_module(torch::nn::Module& m, const std::string& bytes, const std::string& where);

// loss.backward() into fresh gradients: the optimiser's gradients are
// released first, so the backward writes them instead of adding into
// zero-filled ones (zero_grad() costs a fill and an add per parameter per
// step); a parameter the loss does not reach gets zeros, so the optimiser
// steps as after zero_grad().
void backward_fresh(const torch::Tensor& loss, torch::optim::Optimizer& optimizer);

}  // namespace bcemb
