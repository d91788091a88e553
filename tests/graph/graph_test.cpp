#include <gtest/gtest.h>

#include <algorithm>

#include "bcemb/data/dataset.h"
#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/graph/computation_plan.h"
#include "bcemb/graph/node_inputs.h"

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
  EXPECT_EQ(tt.indptr, a.indptr);
  EXPECT_EQ(tt.indices, a.indices);
  EXPECT_EQ(tt.values, a.values);
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

}  // namespace
}  // namespace bcemb
