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

}  // namespace bcemb
