#include "bcemb/graph/computation_plan.h"

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"

namespace bcemb {

PlanSource::PlanSource(const BipartiteGraph& g, const CsrMatrix& node_inputs)
    : graph(g), inputs(std::make_shared<SparsePair>(node_inputs)),
      neigh_inputs(std::make_shared<SparsePair>(multiply(g.adjacency()->fwd, node_inputs))) {
  if (node_inputs.rows != g.num_nodes())
    throw Error("node inputs have " + std::to_string(node_inputs.rows) + " rows, graph has " +
                std::to_string(g.num_nodes()) + " nodes");
}

ComputationPlan PlanSource::full_plan(int layers) const {
  ComputationPlan p;
  const int64_t n = graph.num_nodes();
  p.nodes.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p.nodes[i] = static_cast<int32_t>(i);
  p.layer_rows.assign(static_cast<size_t>(layers), n);
  p.blocks.assign(static_cast<size_t>(layers - 1), graph.adjacency());
  p.self_inputs = inputs;
  p.neigh_inputs = neigh_inputs;
  return p;
}

PlanBuilder::PlanBuilder(const PlanSource& source)
    : source_(source), local_(static_cast<size_t>(source.graph.num_nodes()), -1),
      stamp_(static_cast<size_t>(source.graph.num_nodes()), 0) {}

namespace {

// Rows `rows` of src; with col_map, columns renumbered through it.
SparsePairPtr gather_rows(const CsrMatrix& src, const int32_t* rows, size_t n_rows, int64_t cols,
                          const std::vector<int32_t>* col_map) {
  CsrMatrix m;
  m.rows = static_cast<int64_t>(n_rows);
  m.cols = cols;
  m.indptr.reserve(n_rows + 1);
  int64_t nnz = 0;
  for (size_t i = 0; i < n_rows; ++i) nnz += src.indptr[rows[i] + 1] - src.indptr[rows[i]];
  m.indices.reserve(static_cast<size_t>(nnz));
  m.values.reserve(static_cast<size_t>(nnz));
  for (size_t i = 0; i < n_rows; ++i) {
    const int32_t r = rows[i];
    for (int64_t e = src.indptr[r]; e < src.indptr[r + 1]; ++e) {
      m.indices.push_back(col_map != nullptr ? (*col_map)[src.indices[e]] : src.indices[e]);
      m.values.push_back(src.values[e]);
    }
    m.indptr.push_back(m.nnz());
  }
  return std::make_shared<SparsePair>(std::move(m));
}

}  // namespace

ComputationPlan PlanBuilder::plan(const std::vector<int32_t>& targets, int layers) {
  if (layers < 1) throw Error("computation plan: need at least one layer");
  if (++epoch_ == 0) {  // stamp wrap-around: reset once every 2^32 plans
    std::fill(stamp_.begin(), stamp_.end(), 0);
    epoch_ = 1;
  }
  ComputationPlan p;
  p.nodes.reserve(targets.size() * 2);
  for (const int32_t t : targets) {
    if (stamp_[t] == epoch_) throw Error("computation plan: duplicate target node " + std::to_string(t));
    stamp_[t] = epoch_;
    local_[t] = static_cast<int32_t>(p.nodes.size());
    p.nodes.push_back(t);
  }
  const CsrMatrix& adj = source_.graph.adjacency()->fwd;
  std::vector<int64_t> rows_rev{static_cast<int64_t>(p.nodes.size())};  // |S_L|, |S_{L-1}|, ..., |S_1|
  for (int l = layers; l >= 2; --l) {
    const size_t n_dst = p.nodes.size();
    for (size_t r = 0; r < n_dst; ++r) {
      const int32_t node = p.nodes[r];
      for (int64_t e = adj.indptr[node]; e < adj.indptr[node + 1]; ++e) {
        const int32_t nb = adj.indices[e];
        if (stamp_[nb] != epoch_) {
          stamp_[nb] = epoch_;
          local_[nb] = static_cast<int32_t>(p.nodes.size());
          p.nodes.push_back(nb);
        }
      }
    }
    rows_rev.push_back(static_cast<int64_t>(p.nodes.size()));
  }
  p.layer_rows.assign(rows_rev.rbegin(), rows_rev.rend());
  for (int i = 0; i + 1 < layers; ++i)
    p.blocks.push_back(gather_rows(adj, p.nodes.data(), static_cast<size_t>(p.layer_rows[i + 1]), p.layer_rows[i], &local_));
  const auto n1 = static_cast<size_t>(p.layer_rows[0]);
  p.self_inputs = gather_rows(source_.inputs->fwd, p.nodes.data(), n1, source_.inputs->fwd.cols, nullptr);
  p.neigh_inputs = gather_rows(source_.neigh_inputs->fwd, p.nodes.data(), n1, source_.neigh_inputs->fwd.cols, nullptr);
  return p;
}

}  // namespace bcemb
