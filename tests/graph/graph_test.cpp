#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "bcemb/data/dataset.h"
#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/graph/computation_plan.h"
#include "bcemb/graph/node_inputs.h"
#include "bcemb/data/synthetic.h"
#include "bcemb/util/error.h"
#include "bcemb/util/rng.h"
#include "bcemb/versions/time_slices.h"
#include "test_util.h"

namespace bcemb {
namespace {

// users 0,1,2; items 0,1 (nodes 3,4); user 0 rated item 0 twice.
BipartiteGraph small_graph() { return BipartiteGraph(3, 2, {{0, 0}, {0, 0}, {0, 1}, {1, 1}, {2, 1}}); }

TEST(Graph, MeanWeightsCountMultiplicity) {
  const BipartiteGraph g = small_graph();
  const CsrMatrix& a = g.adjacency()->fwd;
  EXPECT_EQ(a.rows, 5);
  EXPECT_EQ(a.indptr[1] - a.indptr[0], 3);  // user 0: item 0 twice, item 1
  for (int64_t e = a.indptr[0]; e < a.indptr[1]; ++e) EXPECT_FLOAT_EQ(a.values[e], 1.0f / 3);
  // item 1 (node 4) has users 0, 1, 2
  EXPECT_EQ(a.indptr[5] - a.indptr[4], 3);
  EXPECT_EQ(g.num_positives(0), 2);
  EXPECT_TRUE(g.has_edge(2, 1));
  EXPECT_FALSE(g.has_edge(2, 0));
}

TEST(Csr, TransposeAndMultiply) {
  const BipartiteGraph g = small_graph();
  const CsrMatrix& a = g.adjacency()->fwd;
  const CsrMatrix t = a.transposed();
  const CsrMatrix tt = t.transposed();
  // The same rows, entries in column order (neighbour lists are stored shuffled).
  EXPECT_EQ(tt.indptr, a.indptr);
  for (int64_t r = 0; r < a.rows; ++r) {
    std::vector<std::pair<int32_t, float>> x, y;
    for (int64_t e = a.indptr[r]; e < a.indptr[r + 1]; ++e) x.emplace_back(a.indices[e], a.values[e]);
    for (int64_t e = tt.indptr[r]; e < tt.indptr[r + 1]; ++e) y.emplace_back(tt.indices[e], tt.values[e]);
    std::sort(x.begin(), x.end());
    EXPECT_EQ(x, y) << "row " << r;
  }
  // (A A) row sums stay 1: mean of means
  const CsrMatrix aa = multiply(a, a);
  for (int64_t r = 0; r < aa.rows; ++r) {
    float s = 0;
    for (int64_t e = aa.indptr[r]; e < aa.indptr[r + 1]; ++e) s += aa.values[e];
    EXPECT_NEAR(s, 1.0f, 1e-6);
  }
}

TEST(ComputationPlan, LayersArePrefixesAndBlocksMatchTheGraph) {
  const BipartiteGraph g = small_graph();
  DatasetBuilder b;
  b.add_interaction("u", "i", 1, 0);
  Dataset ds = b.build("x", {});
  InputSchema schema;  // no attributes: a shared user row only
  const CsrMatrix inputs = node_input_matrix(ds, schema, 3, 2);
  const PlanSource src(g, inputs);
  PlanBuilder builder(src);
  const ComputationPlan p = builder.plan({2}, 3);  // target: user 2
  ASSERT_EQ(p.layer_rows.size(), 3u);
  EXPECT_EQ(p.layer_rows[2], 1);
  EXPECT_EQ(p.layer_rows[1], 2);  // user 2 + item 1
  EXPECT_EQ(p.layer_rows[0], 4);  // + users 0 and 1
  EXPECT_EQ(p.nodes[0], 2);
  EXPECT_EQ(p.nodes[1], 4);
  // block for the last layer: user 2's only neighbour is item 1 (local 1), weight 1
  const CsrMatrix& last = p.blocks[1]->fwd;
  EXPECT_EQ(last.rows, 1);
  EXPECT_EQ(last.cols, 2);
  EXPECT_EQ(last.indices, (std::vector<int32_t>{1}));
  EXPECT_FLOAT_EQ(last.values[0], 1.0f);
  EXPECT_EQ(p.self_inputs->fwd.rows, 4);
  EXPECT_THROW(builder.plan({2, 2}, 2), std::exception);
  // a second plan reuses the scratch without leaking marks
  const ComputationPlan q = builder.plan({3}, 2);
  EXPECT_EQ(q.nodes[0], 3);
  EXPECT_EQ(q.layer_rows[0], 2);  // item 0 + user 0
}

// A synthetic version's training graph and the plan source over it.
struct SampledFixture {
  Dataset ds = generate_synthetic(test::synthetic_size(300, 200, 6000));
  std::vector<Version> versions = make_versions(ds, [] {
    SliceSpec s;
    s.fractions = {0.6, 0.8};
    return s;
  }());
  BipartiteGraph graph = BipartiteGraph::for_version(ds, versions[0]);
  InputSchema schema = InputSchema::from_dataset(ds, "auto");
  CsrMatrix inputs = node_input_matrix(ds, schema, versions[0].num_users, versions[0].num_items);
  PlanSource src{graph, inputs};
  std::vector<int32_t> targets() const {
    std::vector<int32_t> t;
    for (int32_t u = 0; u < graph.num_users(); u += 7) t.push_back(u);
    for (int32_t i = 0; i < graph.num_items(); i += 5) t.push_back(graph.num_users() + i);
    return t;
  }
};

bool same_plan(const ComputationPlan& a, const ComputationPlan& b) {
  if (a.nodes != b.nodes || a.layer_rows != b.layer_rows || a.blocks.size() != b.blocks.size()) return false;
  for (size_t i = 0; i < a.blocks.size(); ++i) {
    const CsrMatrix &x = a.blocks[i]->fwd, &y = b.blocks[i]->fwd;
    if (x.rows != y.rows || x.cols != y.cols || x.indptr != y.indptr || x.indices != y.indices || x.values != y.values)
      return false;
  }
  return true;
}

TEST(NeighborSampling, DrawsRealTrainNeighboursWithinTheFanout) {
  SampledFixture f;
  std::set<std::pair<int32_t, int32_t>> train, val_only;
  for (const int64_t e : f.versions[0].train) train.insert({f.ds.interactions[e].user, f.ds.interactions[e].item});
  for (const int64_t e : f.versions[0].val) {
    const std::pair<int32_t, int32_t> p{f.ds.interactions[e].user, f.ds.interactions[e].item};
    if (train.count(p) == 0) val_only.insert(p);
  }
  ASSERT_FALSE(val_only.empty());
  PlanBuilder builder(f.src);
  const int32_t nu = f.graph.num_users();
  const ComputationPlan p = builder.plan(f.targets(), 3, {4, 2}, 11);
  const CsrMatrix& adj = f.graph.adjacency()->fwd;
  int sampled_rows = 0;
  for (size_t b = 0; b < p.blocks.size(); ++b) {
    const int fanout = b == 1 ? 4 : 2;  // blocks[1] is layer 3, the first hop from the targets
    const CsrMatrix& m = p.blocks[b]->fwd;
    ASSERT_EQ(m.rows, p.layer_rows[b + 1]);
    ASSERT_EQ(m.cols, p.layer_rows[b]);
    for (int64_t r = 0; r < m.rows; ++r) {
      const int32_t node = p.nodes[r];
      const int64_t deg = adj.indptr[node + 1] - adj.indptr[node];
      const int64_t drawn = m.indptr[r + 1] - m.indptr[r];
      EXPECT_EQ(drawn, std::min<int64_t>(deg, fanout)) << "node " << node;
      sampled_rows += deg > fanout;
      float weight = 0;
      for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
        const int32_t nb = p.nodes[m.indices[e]];
        const bool node_is_user = node < nu;
        ASSERT_NE(node_is_user, nb < nu) << "a neighbour of the same side";
        const std::pair<int32_t, int32_t> edge = node_is_user ? std::make_pair(node, nb - nu) : std::make_pair(nb, node - nu);
        EXPECT_EQ(train.count(edge), 1u) << "not a training edge";
        EXPECT_EQ(val_only.count(edge), 0u) << "a validation edge";
        weight += m.values[e];
      }
      if (drawn > 0) {
        EXPECT_NEAR(weight, 1.0f, 1e-5);  // a mean
      }
    }
  }
  EXPECT_GT(sampled_rows, 50);  // the fanout did bind
}

TEST(NeighborSampling, DeterministicUnderASeed) {
  SampledFixture f;
  PlanBuilder a(f.src), b(f.src);
  const auto t = f.targets();
  EXPECT_TRUE(same_plan(a.plan(t, 3, {3}, 5), b.plan(t, 3, {3}, 5)));
  EXPECT_FALSE(same_plan(a.plan(t, 3, {3}, 5), b.plan(t, 3, {3}, 6)));
}

TEST(NeighborSampling, FanoutAtLeastTheMaxDegreeIsTheExactPlan) {
  SampledFixture f;
  const CsrMatrix& adj = f.graph.adjacency()->fwd;
  int64_t max_deg = 0;
  for (int64_t r = 0; r < adj.rows; ++r) max_deg = std::max(max_deg, adj.indptr[r + 1] - adj.indptr[r]);
  PlanBuilder builder(f.src);
  const auto t = f.targets();
  const ComputationPlan exact = builder.plan(t, 3);
  EXPECT_TRUE(same_plan(exact, builder.plan(t, 3, {static_cast<int>(max_deg)}, 9)));
  EXPECT_TRUE(same_plan(exact, builder.plan(t, 3, {0}, 9)));  // 0 = all
  EXPECT_FALSE(same_plan(exact, builder.plan(t, 3, {2}, 9)));
  EXPECT_THROW(builder.plan(t, 2, {-1}, 9), Error);
}

// The builder draws each row's window start a few rows ahead (to request
// its entries early); the windows must be those of drawing row by row:
// every neighbour where the degree is within the fanout, else k in a row
// from a uniform start of the list, wrapping around. Target counts below,
// within and beyond the lookahead.
TEST(NeighborSampling, WindowsAreThoseOfDrawingRowByRow) {
  SampledFixture f;
  const CsrMatrix& adj = f.graph.adjacency()->fwd;
  const auto all = f.targets();
  PlanBuilder builder(f.src);
  for (const size_t n : {size_t{5}, size_t{12}, all.size()}) {
    const std::vector<int32_t> targets(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(n, all.size())));
    const Fanout fanout{2, 3};  // layer 3's block draws 2 per node, layer 2's 3
    const ComputationPlan p = builder.historical_plan(targets, 3, fanout, 17);
    ASSERT_EQ(p.blocks.size(), 2u);
    Rng rng(17);
    int64_t windows = 0;
    for (int layer = 2; layer <= 3; ++layer) {  // the order the builder draws in
      const int k = layer == 3 ? 2 : 3;
      const CsrMatrix& m = p.blocks[static_cast<size_t>(layer - 2)]->fwd;
      ASSERT_EQ(m.rows, static_cast<int64_t>(targets.size()));
      for (size_t r = 0; r < targets.size(); ++r) {
        const int64_t begin = adj.indptr[targets[r]], deg = adj.indptr[targets[r] + 1] - begin;
        std::vector<int32_t> expected;
        if (deg <= k) {
          expected.assign(adj.indices.begin() + begin, adj.indices.begin() + begin + deg);
        } else {
          const auto first = static_cast<int64_t>(rng.below(static_cast<uint64_t>(deg)));
          for (int64_t j = 0; j < k; ++j) expected.push_back(adj.indices[begin + (first + j) % deg]);
          ++windows;
        }
        const std::vector<int32_t> got(m.indices.begin() + m.indptr[r], m.indices.begin() + m.indptr[r + 1]);
        ASSERT_EQ(got, expected) << n << " targets, layer " << layer << ", row " << r;
      }
    }
    if (n > 16) {
      EXPECT_GT(windows, 20);  // the fanout did bind
    }
  }
}

}  // namespace
}  // namespace bcemb
