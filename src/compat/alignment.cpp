#include "bcemb/compat/alignment.h"

#include "bcemb/util/error.h"

namespace bcemb {

torch::Tensor alignment_loss(AlignmentLoss kind, const torch::Tensor& prev, const torch::Tensor& mapped,
                             const std::vector<torch::Tensor>& frozen_chain) {
  if (kind == AlignmentLoss::None) throw Error("alignment_loss called without an alignment loss");
  if (!prev.sizes().equals(mapped.sizes())) throw Error("alignment: previous and mapped embeddings differ in shape");
  torch::Tensor r = prev - mapped;
  torch::Tensor total = r.pow(2).mean();
  if (kind == AlignmentLoss::SingleStep) return total;
  for (const auto& b : frozen_chain) {
    r = torch::mm(r, b.t());
    total = total + r.pow(2).mean();
  }
  return total / static_cast<double>(frozen_chain.size() + 1);
}

}  // namespace bcemb
