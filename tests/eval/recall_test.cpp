#include "bcemb/eval/recall.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "bcemb/eval/alignment_error.h"
#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"
#include "bcemb/util/rng.h"

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
  // Standard error over users: per-user recalls {0, 1} at K 1 (sample std
  // 0.7071, / sqrt(2) = 0.5), {1/2, 1} at K 2, {1, 1} at K 4.
  EXPECT_NEAR(r.se.at(1), 0.5, 1e-12);
  EXPECT_NEAR(r.se.at(2), 0.25, 1e-12);
  EXPECT_NEAR(r.se.at(4), 0.0, 1e-12);
  // without exclusion u0's top-1 is its training item
  const RecallResult r2 = recall_at_k(users, items, 3, 5, 1, val, nullptr, {2});
  EXPECT_DOUBLE_EQ(r2.at(2), 0.5);  // u0 top2 = i0 i1 -> 0; u1 top2 = i4 i3 -> 1
}

// The streamed computation (blocks of 256 users x 4096 items, running top-K)
// against a dense users x items score matrix, with excluded positives and
// many tied scores.
void expect_streamed_equals_dense(int64_t nu, int64_t ni, const std::vector<int>& ks, uint64_t seed) {
  const int64_t d = 4;
  Rng rng(seed);
  std::vector<float> users(nu * d), items(ni * d);
  for (auto& x : users) x = static_cast<float>(std::round(rng.normal() * 2));  // integers: ties
  for (auto& x : items) x = static_cast<float>(std::round(rng.normal() * 2));
  std::vector<std::pair<int32_t, int32_t>> train, val;
  for (int32_t u = 0; u < nu; ++u) {
    for (int k = 0; k < 20 && k < ni / 2; ++k) train.emplace_back(u, static_cast<int32_t>(rng.below(ni)));
    if (u % 3 != 0)
      for (int k = 0; k < 5; ++k) val.emplace_back(u, static_cast<int32_t>(rng.below(ni)));
  }
  const BipartiteGraph g(static_cast<int32_t>(nu), static_cast<int32_t>(ni), train);
  const RecallResult streamed = recall_at_k(users.data(), items.data(), nu, ni, d, val, &g, ks);
  std::map<int, double> dense;
  int64_t evaluated = 0;
  for (int32_t u = 0; u < nu; ++u) {
    std::set<int32_t> truth;
    for (const auto& [vu, vi] : val)
      if (vu == u) truth.insert(vi);
    if (truth.empty()) continue;
    ++evaluated;
    std::vector<std::pair<float, int32_t>> scored;
    for (int32_t i = 0; i < ni; ++i) {
      float s = 0;
      for (int64_t k = 0; k < d; ++k) s += users[u * d + k] * items[i * d + k];
      if (g.has_edge(u, i)) s = -std::numeric_limits<float>::infinity();
      scored.emplace_back(-s, i);  // ascending: best first, lower index first on ties
    }
    std::sort(scored.begin(), scored.end());
    for (const int k : ks) {
      int hits = 0;
      for (int p = 0; p < k && p < ni; ++p) hits += truth.count(scored[p].second) > 0;
      dense[k] += static_cast<double>(hits) / truth.size();
    }
  }
  EXPECT_EQ(streamed.users, evaluated);
  for (const int k : ks) EXPECT_NEAR(streamed.at(k), dense[k] / evaluated, 1e-12) << "K=" << k;
}

// Across user and item block boundaries, and the top-K buffer's cuts (2K).
TEST(Recall, StreamedEqualsTheDenseComputation) { expect_streamed_equals_dense(300, 9000, {1, 10, 50, 100}, 4); }

// Fewer items than K, or than the 2K buffer: nothing is ever cut.
TEST(Recall, StreamedEqualsTheDenseComputationOnFewItems) { expect_streamed_equals_dense(20, 7, {1, 3, 10}, 5); }

TEST(Recall, StandardErrorOfAMean) {
  // {1, 2, 3, 4}: mean 2.5, sample variance 5/3, se sqrt(5/12).
  EXPECT_NEAR(standard_error(10, 30, 4), std::sqrt(5.0 / 12.0), 1e-12);
  EXPECT_TRUE(std::isnan(standard_error(3, 9, 1)));  // one value: no spread to measure
  EXPECT_TRUE(std::isnan(standard_error(0, 0, 0)));
  EXPECT_EQ(standard_error(4, 4, 4), 0.0);  // all equal
}

TEST(Recall, RejectsANonPositiveK) {
  const float e[] = {1.0f};
  EXPECT_THROW(recall_at_k(e, e, 1, 1, 1, {{0, 0}}, nullptr, {0, 5}), Error);
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
