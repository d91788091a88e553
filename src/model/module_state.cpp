#include "bcemb/model/module_state.h"

#include <sstream>

#include "bcemb/util/error.h"

namespace bcemb {

std::vector<torch::Tensor> snapshot(const torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) out.push_back(b.detach().clone());
  return out;
}

void restore(torch::nn::Module& m, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  auto params = m.parameters();
  auto buffers = m.buffers();
  if (params.size() + buffers.size() != state.size()) throw Error("restore: state does not match the module");
  size_t i = 0;
  for (auto& p : params) p.copy_(state[i++]);
  for (auto& b : buffers) b.copy_(state[i++]);
}

std::string save_module(torch::nn::Module& m) {
  torch::serialize::OutputArchive ar;
  m.save(ar);
  std::ostringstream ss;
  ar.save_to(ss);
  return ss.str();
}

void load_module(torch::nn::Module& m, const std::string& bytes, const std::string& where) {
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& t : m.parameters()) shapes.push_back(t.sizes().vec());
  for (const auto& t : m.buffers()) shapes.push_back(t.sizes().vec());
  try {
    std::istringstream ss(bytes);
    torch::serialize::InputArchive ar;
    ar.load_from(ss);
    m.load(ar);
  } catch (const c10::Error& e) {
    throw Error(where + ": cannot load checkpoint: " + e.what_without_backtrace());
  }
  size_t i = 0;
  for (const auto& t : m.parameters())
    if (t.sizes().vec() != shapes[i++]) throw Error(where + ": checkpoint is of another architecture (tensor shapes differ)");
  for (const auto& t : m.buffers())
    if (t.sizes().vec() != shapes[i++]) throw Error(where + ": checkpoint is of another architecture (tensor shapes differ)");
}

void backward_fresh(const torch::Tensor& loss, torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad().reset();
  loss.backward();
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params())
      if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
}

}  // namespace bcemb
