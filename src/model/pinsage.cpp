#include "bcemb/model/pinsage.h"

#include "bcemb/dist/sync_batch_norm.h"
#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/model/batch_norm.h"
#include "bcemb/model/sparse_ops.h"
#include "bcemb/util/error.h"

namespace bcemb {

PinSageImpl::PinSageImpl(const PinSageConfig& config) : config_(config) {
  if (config.dim <= 0 || config.layers <= 0) throw Error("PinSAGE needs dim > 0 and layers > 0");
  // As the reference: user vector ~ N(0, 0.1^2), attribute embeddings ~ N(0, 1).
  auto table = torch::randn({config.table_rows, config.dim});
  table[0].mul_(0.1);
  table_ = register_parameter("table", table);
  for (int l = 0; l < config.layers; ++l) {
    self_.push_back(register_module("self" + std::to_string(l),
                                    torch::nn::Linear(torch::nn::LinearOptions(config.dim, config.dim).bias(false))));
    neigh_.push_back(register_module("neigh" + std::to_string(l), torch::nn::Linear(config.dim, config.dim)));
    norms_.push_back(register_module("norm" + std::to_string(l), torch::nn::BatchNorm1d(config.dim)));
  }
}

torch::Tensor PinSageImpl::forward(const ComputationPlan& plan, const std::vector<torch::Tensor>* history,
                                   std::vector<torch::Tensor>* layer_outputs, dist::Collective* sync_bn) {
  return run(plan, history, layer_outputs, sync_bn, config_.layers);
}

std::vector<torch::Tensor> PinSageImpl::hidden_outputs(const ComputationPlan& plan) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> outputs;
  if (config_.layers > 1) run(plan, nullptr, &outputs, nullptr, config_.layers - 1);
  return outputs;
}

torch::Tensor PinSageImpl::run(const ComputationPlan& plan, const std::vector<torch::Tensor>* history,
                               std::vector<torch::Tensor>* layer_outputs, dist::Collective* sync_bn, int layers) {
  const int L = config_.layers;
  if (plan.layers() != L)
    throw Error("computation plan has " + std::to_string(plan.layers()) + " layers, model has " + std::to_string(L));
  if (plan.historical && (history == nullptr || static_cast<int>(history->size()) != L - 1))
    throw Error("a historical plan needs the kept outputs of layers 1.." + std::to_string(L - 1));
  if (plan.self_inputs->fwd.cols != config_.table_rows)
    throw Error("node inputs have " + std::to_string(plan.self_inputs->fwd.cols) + " feature rows, model table has " +
                std::to_string(config_.table_rows));
  // Layer 1: inputs are sparse over the table, so project the table when it
  // is smaller than the rows to compute (cheap), else the aggregated inputs.
  torch::Tensor h;
  if (config_.table_rows < plan.layer_rows[0]) {
    h = spmm_sum(plan.self_inputs, torch::mm(table_, self_[0]->weight.t()), plan.neigh_inputs,
                 torch::mm(table_, neigh_[0]->weight.t())) +
        neigh_[0]->bias;
  } else {
    h = self_[0]->forward(spmm(plan.self_inputs, table_)) + neigh_[0]->forward(spmm(plan.neigh_inputs, table_));
  }
  // BatchNorm, and ReLU below the last layer; one fused node when training in one process.
  auto normalize = [&](int l, const torch::Tensor& x) {
    const bool relu = l < L - 1;
    torch::Tensor y;
    if (!is_training())
      y = norms_[l]->forward(x);
    else if (sync_bn != nullptr)
      y = dist::sync_batch_norm(*norms_[l], x, *sync_bn);
    else
      return batch_norm_train(*norms_[l], x, relu);
    return relu ? torch::relu(y) : y;
  };
  h = normalize(0, h);
  for (int l = 1; l < L; ++l) {
    const torch::Tensor x = h;  // ReLU'd
    if (layer_outputs != nullptr) layer_outputs->push_back(x.detach());
    if (l == layers) return x;
    if (plan.historical) {
      // The neighbours' mean comes from the kept tables, without gradient:
      // its half of the GEMM is a constant term, x W_self^T + (mean W_neigh^T + b),
      // so the backward computes no gradient for it (and nothing is concatenated).
      const torch::Tensor mean = spmm(plan.blocks[l - 1], (*history)[l - 1]);
      h = torch::addmm(torch::addmm(neigh_[l]->bias, mean, neigh_[l]->weight.t()), x, self_[l]->weight.t());
    } else {
      h = torch::linear(self_and_neighbors(x, plan.blocks[l - 1]), torch::cat({self_[l]->weight, neigh_[l]->weight}, 1),
                        neigh_[l]->bias);
    }
    h = normalize(l, h);
  }
  return h;
}

torch::Tensor PinSageImpl::infer(const PlanSource& source, dist::Collective* shard, int64_t chunk_rows) {
  torch::NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  const int L = config_.layers;
  const int64_t n = source.graph.num_nodes();
  if (source.inputs->fwd.cols != config_.table_rows)
    throw Error("node inputs have " + std::to_string(source.inputs->fwd.cols) + " feature rows, model table has " +
                std::to_string(config_.table_rows));
  const torch::Tensor table_self = torch::mm(table_, self_[0]->weight.t());
  const torch::Tensor table_neigh = torch::mm(table_, neigh_[0]->weight.t());
  // This rank's rows; the rest stay zero until the layer is summed over ranks.
  const auto [lo, hi] = dist::share(n, shard);
  auto gather = [&](torch::Tensor& layer) {
    if (shard != nullptr) shard->allreduce_sum(layer);
  };
  torch::Tensor h = shard != nullptr ? torch::zeros({n, config_.dim}) : torch::empty({n, config_.dim});
  for (int64_t a = lo; a < hi; a += chunk_rows) {
    const int64_t b = std::min(hi, a + chunk_rows);
    h.narrow(0, a, b - a)
        .copy_(norms_[0]->forward(spmm_rows(source.inputs->fwd, a, b, table_self) +
                                  spmm_rows(source.neigh_inputs->fwd, a, b, table_neigh) + neigh_[0]->bias));
  }
  gather(h);
  const CsrMatrix& adj = source.graph.adjacency()->fwd;
  for (int l = 1; l < L; ++l) {
    h.relu_();
    torch::Tensor next = shard != nullptr ? torch::zeros_like(h) : torch::empty_like(h);
    for (int64_t a = lo; a < hi; a += chunk_rows) {
      const int64_t b = std::min(hi, a + chunk_rows);
      next.narrow(0, a, b - a)
          .copy_(norms_[l]->forward(self_[l]->forward(h.narrow(0, a, b - a)) +
                                    neigh_[l]->forward(spmm_rows(adj, a, b, h))));
    }
    gather(next);
    h = std::move(next);
  }
  train(was_training);
  return h;
}

}  // namespace bcemb
