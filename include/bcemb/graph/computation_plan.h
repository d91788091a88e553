#pragma once
// What an L-layer GNN must compute to produce embeddings for some target
// nodes: S_L = targets, S_{l-1} = S_l plus the neighbours of S_l, down to S_1.
// Nodes are listed once, in one local order where every S_l is a prefix of
// S_{l-1}, so a layer's "self" rows are the first |S_l| rows of its input.
//
// Layer 1 needs no S_0: node inputs are sparse over the model's input table
// (node_inputs.h), so a node's own input row and the mean of its neighbours'
// input rows are rows of two sparse matrices precomputed for the whole graph;
// the plan gathers them for S_1. Layer 1 therefore always aggregates over all
// neighbours, exactly, whatever the plan.
//
// Plans of layers 2..L come in four kinds (TrainConfig::plan):
//   full        every node, the whole adjacency (what the reference computes);
//   batch       the targets' exact L-hop neighbourhood;
//   sampled     per node at most `fanout` neighbours drawn without
//               replacement (GraphSAGE: k consecutive entries from a random
//               start of the node's shuffled neighbour list, so each is drawn
//               with probability k/deg), averaged with weight 1/k: an unbiased
//               estimate of the mean, and exactly the batch plan where the
//               fanout is at least the node's degree. Cost per batch is
//               bounded by batch x fanout^(L-1), not by the graph;
//   historical  only the targets are computed; their (sampled) neighbours'
//               layer outputs are read from tables the training loop keeps
//               for every node ("historical embeddings", GNNAutoScale): no
//               gradient flows into a neighbour, and the tables are refreshed
//               with each batch's fresh rows and once per epoch for all
//               nodes. Cost per batch is batch x (fanout + layers), whatever
//               the depth.
#include <cstdint>
#include <memory>
#include <vector>

#include "bcemb/graph/csr.h"

namespace bcemb {

class BipartiteGraph;
class Rng;

struct ComputationPlan {
  std::vector<int32_t> nodes;         // S_1 in local order (global node ids)
  std::vector<int64_t> layer_rows;    // |S_1|, ..., |S_L|
  std::vector<SparsePairPtr> blocks;  // blocks[i]: |S_{i+2}| x |S_{i+1}| mean aggregation
  SparsePairPtr self_inputs;          // |S_1| x table rows: the nodes' own inputs
  SparsePairPtr neigh_inputs;         // |S_1| x table rows: mean of their neighbours' inputs
  // Historical plan: S_l = the targets for every l, and blocks[i] is
  // |targets| x num_nodes over the kept table of layer i+1's outputs.
  bool historical = false;
  int layers() const { return static_cast<int>(layer_rows.size()); }
  int64_t num_targets() const { return layer_rows.back(); }
  // Estimated work of a forward pass at width `dim` with an input table of
  // `table_rows` rows, in multiply-add equivalents (backward costs about twice
  // as much): what --plan auto compares.
  double cost(int64_t dim, int64_t table_rows) const;
};

// The graph-wide pieces plans are cut from.
struct PlanSource {
  PlanSource(const BipartiteGraph& graph, const CsrMatrix& node_inputs);
  const BipartiteGraph& graph;
  SparsePairPtr inputs;        // node inputs
  SparsePairPtr neigh_inputs;  // adjacency @ node inputs
  ComputationPlan full_plan(int layers) const;  // every node, every layer
};

// Neighbours drawn per node for each hop away from the targets: fanout[0] for
// layer L, fanout[1] for layer L-1, ...; the last entry repeats; 0 = all.
// Empty = all neighbours at every hop (the exact batch plan).
using Fanout = std::vector<int>;

// Builds batch plans with reusable scratch (no O(num_nodes) clears per batch).
class PlanBuilder {
 public:
  explicit PlanBuilder(const PlanSource& source);
  // targets must be distinct global node ids; seed draws the sampled neighbours.
  ComputationPlan plan(const std::vector<int32_t>& targets, int layers, const Fanout& fanout = {}, uint64_t seed = 0);
  ComputationPlan historical_plan(const std::vector<int32_t>& targets, int layers, const Fanout& fanout, uint64_t seed);

 private:
  // Marks the targets (local rows 0..n-1) and starts p.nodes with them.
  void start(const std::vector<int32_t>& targets, int layers, const Fanout& fanout, ComputationPlan& p);
  // The neighbours of p's first n_dst nodes, at most k each (0 = all): with
  // expand, new nodes join p.nodes and columns are local; else columns are global.
  SparsePairPtr draw_block(ComputationPlan& p, size_t n_dst, int k, bool expand, Rng& rng);
  void gather_inputs(ComputationPlan& p) const;
  const PlanSource& source_;
  std::vector<int32_t> local_;
  std::vector<uint32_t> stamp_;
  uint32_t epoch_ = 0;
};

}  // namespace bcemb
