#pragma once
// PinSAGE-style GNN on the bipartite user-item graph.
//   inputs: users share one learned vector; an item's input is the sum over
//           attribute kinds of the mean of its attribute-value embeddings;
//   layers: h' = W_self h_i + W_neigh mean_{j in N(i)} h_j + b, BatchNorm after
//           every layer, ReLU between layers (none after the last).
// forward() evaluates a ComputationPlan: a batch computes only the nodes its
// targets depend on; the full plan gives every node's embedding.
#include <torch/torch.h>

#include "bcemb/dist/collective.h"
#include "bcemb/graph/computation_plan.h"

namespace bcemb {

struct PinSageConfig {
  int64_t dim = 256;
  int layers = 2;
  int64_t table_rows = 1;  // InputSchema::table_rows()
};

class PinSageImpl : public torch::nn::Module {
 public:
  explicit PinSageImpl(const PinSageConfig& config);
  // Embeddings of the plan's targets, |S_L| x dim. A historical plan reads
  // its neighbours from `history` (layers 1..L-1: every node's ReLU'd layer
  // output, no gradient). layer_outputs, if given, receives the plan's own
  // ReLU'd outputs of layers 1..L-1 (detached), to keep as history.
  // sync_bn: in training mode, BatchNorm statistics over the rows of all the
  // job's ranks (data-parallel steps on plans that differ per rank).
  torch::Tensor forward(const ComputationPlan& plan, const std::vector<torch::Tensor>* history = nullptr,
                        std::vector<torch::Tensor>* layer_outputs = nullptr, dist::Collective* sync_bn = nullptr);
  // The plan's ReLU'd outputs of layers 1..L-1 as forward() computes them
  // (in the current mode), without autograd and without the last layer,
  // which a historical fit does not keep: over the full plan that layer
  // reads every edge's row at random, most of a refresh's time on large graphs.
  // In training mode it moves BatchNorm's running statistics of those
  // layers, as forward() does; a caller that must not keeps and restores them.
  std::vector<torch::Tensor> hidden_outputs(const ComputationPlan& plan);
  // Every node's embedding in eval mode without autograd, layer by layer in
  // chunks of rows: memory stays two num_nodes x dim tables plus one chunk,
  // whatever the graph. Equals forward(source.full_plan(layers)) in eval mode
  // (BatchNorm with its running statistics is per row). shard: each rank
  // computes its share of the rows of every layer and the layer is summed
  // over ranks (others' rows are zero here), so all ranks get every row.
  torch::Tensor infer(const PlanSource& source, dist::Collective* shard = nullptr, int64_t chunk_rows = 1 << 15);
  const PinSageConfig& config() const { return config_; }

 private:
  // forward() up to and including layer `layers` (1..L); its output is that layer's.
  torch::Tensor run(const ComputationPlan& plan, const std::vector<torch::Tensor>* history,
                    std::vector<torch::Tensor>* layer_outputs, dist::Collective* sync_bn, int layers);
  PinSageConfig config_;
  torch::Tensor table_;  // row 0: shared user vector; then attribute values
  std::vector<torch::nn::Linear> self_, neigh_;
  std::vector<torch::nn::BatchNorm1d> norms_;
};
TORCH_MODULE(PinSage);

}  // namespace bcemb
