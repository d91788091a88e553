#include "bcemb/train/bpr_sampler.h"

#include <gtest/gtest.h>

#include "bcemb/graph/bipartite_graph.h"

namespace bcemb {
namespace {

TEST(BprSampler, UsersAboutEquallyAndNegativesNeverPositive) {
  // user 0 has 40 items, user 1 has one; 60 items in all.
  std::vector<std::pair<int32_t, int32_t>> edges;
  for (int i = 0; i < 40; ++i) edges.emplace_back(0, i);
  edges.emplace_back(1, 50);
  const BipartiteGraph g(2, 60, edges);
  BprSampler s(g, 42);
  int64_t user1 = 0, total = 0;
  for (int epoch = 0; epoch < 50; ++epoch) {
    const BprTriples t = s.sample_epoch();
    ASSERT_EQ(t.size(), edges.size());
    for (size_t k = 0; k < t.size(); ++k) {
      ASSERT_TRUE(g.has_edge(t.users[k], t.pos[k]));
      ASSERT_FALSE(g.has_edge(t.users[k], t.neg[k]));
      user1 += t.users[k] == 1;
      ++total;
    }
  }
  // proportional to 1/deg(user): each user about half the draws, not 1/41
  EXPECT_NEAR(static_cast<double>(user1) / total, 0.5, 0.05);
}

TEST(BprSampler, DeterministicFromSeed) {
  const BipartiteGraph g(3, 10, {{0, 1}, {1, 2}, {2, 3}, {0, 4}});
  BprSampler a(g, 7), b(g, 7);
  const auto ta = a.sample_epoch(), tb = b.sample_epoch();
  EXPECT_EQ(ta.users, tb.users);
  EXPECT_EQ(ta.neg, tb.neg);
}

}  // namespace
}  // namespace bcemb
