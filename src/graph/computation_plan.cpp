#include "bcemb/graph/computation_plan.h"

#include <algorithm>
#include <array>

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"
#include "bcemb/util/prefetch.h"
#include "bcemb/util/rng.h"

namespace bcemb {

double ComputationPlan::cost(int64_t dim, int64_t table_rows) const {
  // Per row and layer: the GEMM (2 d^2) and the row-wise passes (BatchNorm,
  // ReLU, adds, their gradients), which at small d cost more than the GEMM:
  // measured on 2 cores about 100 d multiply-add equivalents.
  const auto d = static_cast<double>(dim);
  const double per_row = 2.0 * d * d + 100.0 * d;
  double c = static_cast<double>(self_inputs->fwd.nnz() + neigh_inputs->fwd.nnz()) * d +
             (table_rows < layer_rows[0] ? 2.0 * static_cast<double>(table_rows) * d * d + 100.0 * d * layer_rows[0]
                                         : per_row * static_cast<double>(layer_rows[0]));
  for (size_t l = 1; l < layer_rows.size(); ++l)
    c += per_row * static_cast<double>(layer_rows[l]) + static_cast<double>(blocks[l - 1]->fwd.nnz()) * d;
  return c;
}

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

// Plans read rows of the adjacency and of the input matrices at random
// places, which miss the caches on large graphs: each loop requests a row's
// indptr entry kAhead rows ahead of the one it reads, and its entries kAhead
// rows (gather_rows) or kAhead / 2 rows (draw_block) ahead.
constexpr size_t kAhead = 16;

// Rows `rows` of src.
SparsePairPtr gather_rows(const CsrMatrix& src, const int32_t* rows, size_t n_rows) {
  CsrMatrix m;
  m.rows = static_cast<int64_t>(n_rows);
  m.cols = src.cols;
  m.indptr.reserve(n_rows + 1);
  int64_t nnz = 0;
  for (size_t i = 0; i < n_rows; ++i) {
    if (i + kAhead < n_rows) prefetch(&src.indptr[rows[i + kAhead]]);
    nnz += src.indptr[rows[i] + 1] - src.indptr[rows[i]];
  }
  m.indices.reserve(static_cast<size_t>(nnz));
  m.values.reserve(static_cast<size_t>(nnz));
  for (size_t i = 0; i < n_rows; ++i) {
    if (i + kAhead < n_rows) {
      prefetch(src.indices.data() + src.indptr[rows[i + kAhead]]);
      prefetch(src.values.data() + src.indptr[rows[i + kAhead]]);
    }
    const int32_t r = rows[i];
    m.indices.insert(m.indices.end(), src.indices.begin() + src.indptr[r], src.indices.begin() + src.indptr[r + 1]);
    m.values.insert(m.values.end(), src.values.begin() + src.indptr[r], src.values.begin() + src.indptr[r + 1]);
    m.indptr.push_back(m.nnz());
  }
  return std::make_shared<SparsePair>(std::move(m));
}

}  // namespace

void PlanBuilder::start(const std::vector<int32_t>& targets, int layers, const Fanout& fanout, ComputationPlan& p) {
  if (layers < 1) throw Error("computation plan: need at least one layer");
  for (const int f : fanout)
    if (f < 0) throw Error("--fanout: neighbours per node must be >= 0 (0 = all)");
  if (++epoch_ == 0) {  // stamp wrap-around: reset once every 2^32 plans
    std::fill(stamp_.begin(), stamp_.end(), 0);
    epoch_ = 1;
  }
  p.nodes.reserve(targets.size() * 2);
  for (const int32_t t : targets) {
    if (stamp_[t] == epoch_) throw Error("computation plan: duplicate target node " + std::to_string(t));
    stamp_[t] = epoch_;
    local_[t] = static_cast<int32_t>(p.nodes.size());
    p.nodes.push_back(t);
  }
}

SparsePairPtr PlanBuilder::draw_block(ComputationPlan& p, size_t n_dst, int k, bool expand, Rng& rng) {
  const CsrMatrix& adj = source_.graph.adjacency()->fwd;
  CsrMatrix block;
  block.rows = static_cast<int64_t>(n_dst);
  block.indptr.reserve(n_dst + 1);
  auto take = [&](int64_t e, float w) {
    const int32_t nb = adj.indices[e];
    if (expand && stamp_[nb] != epoch_) {
      stamp_[nb] = epoch_;
      local_[nb] = static_cast<int32_t>(p.nodes.size());
      p.nodes.push_back(nb);
    }
    block.indices.push_back(expand ? local_[nb] : nb);
    block.values.push_back(w);
  };
  // A row's neighbours: all of them, or k at a uniformly random start of the
  // (shuffled) list, wrapping around, so that each neighbour is drawn with
  // probability k / deg. The window start is drawn kAhead / 2 rows ahead (in
  // row order, so the draws are those of one row at a time) and its entries
  // requested then; the row's indptr entry was requested kAhead / 2 rows
  // before that.
  std::array<int64_t, kAhead> first{};  // row r's window start in slot r % kAhead
  auto locate = [&](size_t r) {
    const int32_t node = p.nodes[r];
    const int64_t begin = adj.indptr[node], deg = adj.indptr[node + 1] - begin;
    const int64_t f = k == 0 || deg <= k ? 0 : static_cast<int64_t>(rng.below(static_cast<uint64_t>(deg)));
    first[r % kAhead] = f;
    prefetch(adj.indices.data() + begin + f);
    prefetch(adj.values.data() + begin + f);
  };
  constexpr size_t lead = kAhead / 2;
  for (size_t r = 0; r < std::min(lead, n_dst); ++r) locate(r);
  for (size_t r = 0; r < n_dst; ++r) {
    if (r + kAhead < n_dst) prefetch(&adj.indptr[p.nodes[r + kAhead]]);
    if (r + lead < n_dst) locate(r + lead);
    const int32_t node = p.nodes[r];
    const int64_t begin = adj.indptr[node], deg = adj.indptr[node + 1] - begin;
    if (k == 0 || deg <= k) {
      for (int64_t e = begin; e < begin + deg; ++e) take(e, adj.values[e]);
    } else {
      const int64_t f = first[r % kAhead];
      for (int64_t j = 0; j < k; ++j) take(begin + (f + j) % deg, 1.0f / static_cast<float>(k));
    }
    block.indptr.push_back(block.nnz());
  }
  block.cols = expand ? static_cast<int64_t>(p.nodes.size()) : adj.cols;
  return std::make_shared<SparsePair>(std::move(block));
}

void PlanBuilder::gather_inputs(ComputationPlan& p) const {
  const auto n1 = static_cast<size_t>(p.layer_rows[0]);
  p.self_inputs = gather_rows(source_.inputs->fwd, p.nodes.data(), n1);
  p.neigh_inputs = gather_rows(source_.neigh_inputs->fwd, p.nodes.data(), n1);
}

namespace {
int fanout_at(const Fanout& fanout, size_t hop) { return fanout.empty() ? 0 : fanout[std::min(hop, fanout.size() - 1)]; }
}  // namespace

ComputationPlan PlanBuilder::plan(const std::vector<int32_t>& targets, int layers, const Fanout& fanout, uint64_t seed) {
  ComputationPlan p;
  start(targets, layers, fanout, p);
  Rng rng(seed);
  std::vector<int64_t> rows_rev{static_cast<int64_t>(p.nodes.size())};  // |S_L|, |S_{L-1}|, ..., |S_1|
  std::vector<SparsePairPtr> blocks_rev;
  for (int l = layers; l >= 2; --l) {
    blocks_rev.push_back(draw_block(p, p.nodes.size(), fanout_at(fanout, static_cast<size_t>(layers - l)), true, rng));
    rows_rev.push_back(static_cast<int64_t>(p.nodes.size()));
  }
  p.layer_rows.assign(rows_rev.rbegin(), rows_rev.rend());
  p.blocks.assign(blocks_rev.rbegin(), blocks_rev.rend());
  gather_inputs(p);
  return p;
}

ComputationPlan PlanBuilder::historical_plan(const std::vector<int32_t>& targets, int layers, const Fanout& fanout,
                                             uint64_t seed) {
  ComputationPlan p;
  p.historical = true;
  start(targets, layers, fanout, p);
  Rng rng(seed);
  p.layer_rows.assign(static_cast<size_t>(layers), static_cast<int64_t>(targets.size()));
  for (int l = 2; l <= layers; ++l)
    p.blocks.push_back(draw_block(p, targets.size(), fanout_at(fanout, static_cast<size_t>(layers - l)), false, rng));
  gather_inputs(p);
  return p;
}

}  // namespace bcemb
