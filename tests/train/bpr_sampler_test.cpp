#include "bcemb/train/bpr_sampler.h"

#include <gtest/gtest.h>

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/rng.h"

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

// The sampler prefetches by guessing draws ahead; the triples must still be
// exactly those of drawing one triple at a time. A dense graph rejects many
// negatives (each restarts the guesses); a repeated edge counts twice; a
// user without edges and one with every item are never drawn. Refilling one
// BprTriples gives each epoch's triples as a fresh one would.
TEST(BprSampler, EqualsDrawingOneTripleAtATime) {
  const int32_t users = 40, items = 12;
  std::vector<std::pair<int32_t, int32_t>> edges;
  for (int32_t u = 1; u < users; ++u)
    for (int32_t k = 0; k <= u % items; ++k) edges.emplace_back(u, (u * 5 + k * 7) % items);
  edges.emplace_back(3, (3 * 5) % items);  // a repeated edge
  const BipartiteGraph g(users, items, edges);
  std::vector<int32_t> active;
  for (int32_t u = 0; u < users; ++u)
    if (g.num_positives(u) > 0 && g.num_positives(u) < items) active.push_back(u);
  ASSERT_LT(active.size(), static_cast<size_t>(users) - 1);  // some users are never drawn
  const CsrMatrix& adj = g.adjacency()->fwd;
  BprSampler sampler(g, 5);
  Rng rng(5);
  int64_t rejected = 0;
  BprTriples reused;  // epochs 1 and 2 refill epoch 0's storage
  for (int epoch = 0; epoch < 3; ++epoch) {
    sampler.sample_epoch(reused);
    const BprTriples& t = reused;
    ASSERT_EQ(t.size(), edges.size());
    for (size_t k = 0; k < t.size(); ++k) {
      const int32_t u = active[rng.below(active.size())];
      const int64_t deg = adj.indptr[u + 1] - adj.indptr[u];
      const int32_t pos = adj.indices[adj.indptr[u] + static_cast<int64_t>(rng.below(static_cast<uint64_t>(deg)))] - users;
      int32_t neg = static_cast<int32_t>(rng.below(items));
      for (; g.has_edge(u, neg); ++rejected) neg = static_cast<int32_t>(rng.below(items));
      ASSERT_EQ(t.users[k], u) << "epoch " << epoch << " triple " << k;
      ASSERT_EQ(t.pos[k], pos) << "epoch " << epoch << " triple " << k;
      ASSERT_EQ(t.neg[k], neg) << "epoch " << epoch << " triple " << k;
    }
  }
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace bcemb
