#include "bcemb/eval/recall.h"

#include <gtest/gtest.h>

#include "bcemb/eval/alignment_error.h"
#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"

namespace bcemb {
namespace {

TEST(Recall, HandComputedCase) {
  // 1-d embeddings: user 0 likes high items, user 1 low ones, user 2 has no validation edge.
  const float users[] = {1.0f, -1.0f, 1.0f};
  const float items[] = {5.0f, 4.0f, 3.0f, 2.0f, 1.0f};
  const BipartiteGraph train(3, 5, {{0, 0}, {1, 4}});
  // u0 ranks i1 i2 i3 i4 (i0 is a training positive); u1 ranks i3 i2 i1 i0 (i4 excluded).
  const std::vector<std::pair<int32_t, int32_t>> val = {{0, 2}, {0, 4}, {0, 2}, {1, 3}};
  const RecallResult r = recall_at_k(users, items, 3, 5, 1, val, &train, {1, 2, 3, 4});
  EXPECT_EQ(r.users, 2);
  EXPECT_DOUBLE_EQ(r.at(1), 0.5);   // u0: 0, u1: 1
  EXPECT_DOUBLE_EQ(r.at(2), 0.75);  // u0: 1/2
  EXPECT_DOUBLE_EQ(r.at(3), 0.75);
  EXPECT_DOUBLE_EQ(r.at(4), 1.0);
  EXPECT_THROW(r.at(50), Error);
  // without exclusion u0's top-1 is its training item
  const RecallResult r2 = recall_at_k(users, items, 3, 5, 1, val, nullptr, {2});
  EXPECT_DOUBLE_EQ(r2.at(2), 0.5);  // u0 top2 = i0 i1 -> 0; u1 top2 = i4 i3 -> 1
}

TEST(Recall, RejectsPairsOutsideTheEmbeddings) {
  const float e[] = {1.0f};
  EXPECT_THROW(recall_at_k(e, e, 1, 1, 1, {{0, 3}}, nullptr), Error);
}

TEST(AlignmentError, MeanEuclideanDistanceOverRows) {
  Matrix a(2, 2), b(2, 2);
  a.at(0, 0) = 3;
  a.at(0, 1) = 4;  // distance 5 from zero
  b.at(1, 1) = 1;  // distance 1
  EXPECT_DOUBLE_EQ(mean_row_distance(a, b), 3.0);
  EXPECT_THROW(mean_row_distance(a, Matrix(3, 2)), Error);
}

}  // namespace
}  // namespace bcemb
