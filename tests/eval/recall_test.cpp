#include "bcemb/eval/recall.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
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
// many tied scores (integer embeddings: the GEMM's sums are exact).
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
    std::vector<float> score(static_cast<size_t>(ni));
    for (int32_t i = 0; i < ni; ++i) {
      float s = 0;
      for (int64_t k = 0; k < d; ++k) s += users[u * d + k] * items[i * d + k];
      score[i] = g.has_edge(u, i) ? -std::numeric_limits<float>::infinity() : s;
    }
    std::vector<float> sorted = score;
    std::sort(sorted.begin(), sorted.end(), std::greater<float>());
    for (const int k : ks) {
      // Expected hits under random tie-breaking, by definition: whole hits
      // above the K-th score, r/g of one per validation item in its group.
      const float kth = sorted[std::min<int64_t>(k, ni) - 1];
      double above = 0, group = 0, group_truth = 0, hits_above = 0, finite_hits = 0;
      for (int32_t i = 0; i < ni; ++i) {
        const bool hit = truth.count(i) > 0;
        finite_hits += hit && std::isfinite(score[i]);
        if (score[i] > kth) {
          ++above;
          hits_above += hit;
        } else if (score[i] == kth) {
          ++group;
          group_truth += hit;
        }
      }
      const double hits = std::isinf(kth) ? finite_hits
                                          : hits_above + group_truth * (std::min<double>(k, ni) - above) / group;
      dense[k] += hits / truth.size();
    }
  }
  EXPECT_EQ(streamed.users, evaluated);
  for (const int k : ks) EXPECT_NEAR(streamed.at(k), dense[k] / evaluated, 1e-12) << "K=" << k;
}

// Across user and item block boundaries, and the top-K buffer's cuts (2K).
TEST(Recall, StreamedEqualsTheDenseComputation) { expect_streamed_equals_dense(300, 9000, {1, 10, 50, 100}, 4); }

// Fewer items than K, or than the 2K buffer: nothing is ever cut.
TEST(Recall, StreamedEqualsTheDenseComputationOnFewItems) { expect_streamed_equals_dense(20, 7, {1, 3, 10}, 5); }

TEST(Recall, TiesAtTheKthScoreCountAsExpectedHits) {
  // One user, 1-d: item 0 scores 3, items 1-3 tie at 2, item 4 scores 1.
  const float users[] = {1.0f};
  const float items[] = {3.0f, 2.0f, 2.0f, 2.0f, 1.0f};
  // Validation item 3 is the last of the tie group: index order would rank
  // it out of the top 2 and 3, random tie-breaking gives it 1/3 and 2/3.
  const RecallResult r = recall_at_k(users, items, 1, 5, 1, {{0, 3}}, nullptr, {1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(r.at(1), 0.0);
  EXPECT_DOUBLE_EQ(r.at(2), 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.at(3), 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.at(4), 1.0);  // the whole group fits
  // Two validation items in the group: each counts 1/3 at K 2, so 1/3 of 2.
  const RecallResult two = recall_at_k(users, items, 1, 5, 1, {{0, 1}, {0, 3}}, nullptr, {2});
  EXPECT_DOUBLE_EQ(two.at(2), 1.0 / 3);
}

TEST(Recall, TiesBeyondTheKeptCandidatesAreCounted) {
  // 5000 items in two blocks, all tied but the first: the group at the K-th
  // score is cut from the 2K buffer and passed over by the scan, in both
  // item blocks. The validation items' place in the order does not matter.
  std::vector<float> items(5000, 1.0f);
  items[0] = 2.0f;
  const float users[] = {1.0f, 1.0f};
  const std::vector<std::pair<int32_t, int32_t>> val = {{0, 4999}, {1, 1}, {1, 2}};
  const RecallResult r = recall_at_k(users, items.data(), 2, 5000, 1, val, nullptr, {1, 10});
  EXPECT_DOUBLE_EQ(r.at(1), 0.0);
  // 9 of the 4999 tied items fit in the top 10.
  EXPECT_NEAR(r.at(10), 9.0 / 4999, 1e-15);
}

TEST(Recall, TheSameWhateverTheItemOrder) {
  // Integer embeddings tie often; reversing the items (and the validation
  // and training pairs with them) must not change any value.
  const int32_t nu = 40, ni = 600;
  const int64_t d = 3;
  Rng rng(11);
  std::vector<float> users(nu * d), items(ni * d), reversed(ni * d);
  for (auto& x : users) x = static_cast<float>(std::round(rng.normal()));
  for (auto& x : items) x = static_cast<float>(std::round(rng.normal()));
  for (int64_t i = 0; i < ni; ++i) std::copy_n(&items[i * d], d, &reversed[(ni - 1 - i) * d]);
  std::vector<std::pair<int32_t, int32_t>> train, val, train_r, val_r;
  for (int32_t u = 0; u < nu; ++u)
    for (int k = 0; k < 6; ++k) {
      const auto i = static_cast<int32_t>(rng.below(ni)), j = static_cast<int32_t>(rng.below(ni));
      train.emplace_back(u, i);
      train_r.emplace_back(u, static_cast<int32_t>(ni - 1 - i));
      val.emplace_back(u, j);
      val_r.emplace_back(u, static_cast<int32_t>(ni - 1 - j));
    }
  const BipartiteGraph g(nu, ni, train), g_r(nu, ni, train_r);
  const RecallResult a = recall_at_k(users.data(), items.data(), nu, ni, d, val, &g, {1, 5, 20});
  const RecallResult b = recall_at_k(users.data(), reversed.data(), nu, ni, d, val_r, &g_r, {1, 5, 20});
  for (const int k : {1, 5, 20}) EXPECT_NEAR(a.at(k), b.at(k), 1e-12) << "K=" << k;
}

TEST(Recall, ExcludedItemsAreNeverRecommended) {
  // Three items, two of them the user's training positives; the validation
  // item among them does not count even at K past the one remaining item.
  const float users[] = {1.0f};
  const float items[] = {1.0f, 2.0f, 3.0f};
  const BipartiteGraph train(1, 3, {{0, 1}, {0, 2}});
  const RecallResult r = recall_at_k(users, items, 1, 3, 1, {{0, 0}, {0, 2}}, &train, {1, 3, 10});
  EXPECT_DOUBLE_EQ(r.at(1), 0.5);
  EXPECT_DOUBLE_EQ(r.at(3), 0.5);
  EXPECT_DOUBLE_EQ(r.at(10), 0.5);
}

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

TEST(AlignmentError, PerNodeTypeRelativeToTheReferenceSpread) {
  // Reference rows 0-1 (users) spread +-2 around 0 in both columns (squared
  // spread 8 each), rows 2-3 (items) +-1 in one (1 each). Every row is off by 1.
  Matrix ref(4, 2), a(4, 2);
  const float r[] = {2, 2, -2, -2, 1, 0, -1, 0};
  std::copy(r, r + 8, ref.data.begin());
  a.data = ref.data;
  for (int64_t i = 0; i < 4; ++i) a.at(i, 1) += 1;
  const RowAlignment users = row_alignment(a, ref, 0, 2), items = row_alignment(a, ref, 2, 4);
  EXPECT_DOUBLE_EQ(users.mean_distance, 1.0);
  EXPECT_DOUBLE_EQ(items.mean_distance, 1.0);
  EXPECT_NEAR(users.relative, std::sqrt(2.0 / 16.0), 1e-12);  // the same distance is small next to the users' spread
  EXPECT_NEAR(items.relative, 1.0, 1e-12);
  EXPECT_EQ(row_alignment(a, ref, 2, 2).mean_distance, 0.0);  // no rows
  EXPECT_TRUE(std::isnan(row_alignment(a, a, 0, 1).relative));  // one row: no spread
  EXPECT_THROW(row_alignment(a, ref, 0, 5), Error);
}

}  // namespace
}  // namespace bcemb
