#include "bcemb/data/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "bcemb/util/rng.h"

#include "test_util.h"

namespace bcemb {
namespace {

SyntheticConfig small() { return test::synthetic_size(400, 200, 8000); }

TEST(Synthetic, DeterministicFromSeed) {
  const Dataset a = generate_synthetic(small());
  const Dataset b = generate_synthetic(small());
  ASSERT_EQ(a.interactions.size(), b.interactions.size());
  for (size_t e = 0; e < a.interactions.size(); ++e) {
    ASSERT_EQ(a.interactions[e].user, b.interactions[e].user);
    ASSERT_EQ(a.interactions[e].item, b.interactions[e].item);
    ASSERT_EQ(a.interactions[e].rating, b.interactions[e].rating);
    ASSERT_EQ(a.interactions[e].time, b.interactions[e].time);
  }
  SyntheticConfig other = small();
  other.seed = 99;
  const Dataset c = generate_synthetic(other);
  int same = 0;
  for (size_t e = 0; e < std::min(a.interactions.size(), c.interactions.size()); ++e)
    same += a.interactions[e].item == c.interactions[e].item;
  EXPECT_LT(same, static_cast<int>(a.interactions.size()) / 5);
}

TEST(Synthetic, SizesAttributesRatingsAndArrivals) {
  const Dataset ds = generate_synthetic(small());
  EXPECT_LE(ds.interactions.size(), 8000u);  // fewer when a user has seen every available item
  EXPECT_GT(ds.interactions.size(), 7000u);
  EXPECT_LE(ds.num_users(), 400);
  EXPECT_GT(ds.num_users(), 300);
  EXPECT_LE(ds.num_items(), 200);
  ASSERT_NE(ds.item_attribute("category"), nullptr);
  ASSERT_NE(ds.item_attribute("brand"), nullptr);
  ASSERT_NE(ds.user_attribute("segment"), nullptr);
  std::map<float, int> ratings;
  for (const auto& e : ds.interactions) {
    ASSERT_GE(e.rating, 1.0f);
    ASSERT_LE(e.rating, 5.0f);
    ++ratings[e.rating];
  }
  EXPECT_EQ(ratings.size(), 5u);  // every rating level occurs
  // New users keep arriving: the second half of the stream introduces users.
  int32_t users_first_half = 0;
  for (size_t e = 0; e < ds.interactions.size() / 2; ++e)
    users_first_half = std::max(users_first_half, ds.interactions[e].user + 1);
  EXPECT_LT(users_first_half, ds.num_users() - 30);
}

// Share of each heavy user's interactions in their most frequent category,
// averaged; with `permute`, items are first shuffled across all events.
double top_category_share(const Dataset& ds, bool permute) {
  const ItemAttribute* cat = ds.item_attribute("category");
  std::vector<int32_t> cat_of(static_cast<size_t>(ds.num_items()), -1);
  for (int32_t i = 0; i < ds.num_items(); ++i)
    for (int64_t p = cat->offsets[i]; p < cat->offsets[i + 1]; ++p)
      if (cat->values[cat->value_ids[p]].rfind("cat", 0) == 0) cat_of[i] = cat->value_ids[p];
  std::vector<int32_t> items;
  for (const auto& e : ds.interactions) items.push_back(e.item);
  if (permute) {
    Rng rng(3);
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
  }
  std::vector<std::map<int32_t, int>> per_user(static_cast<size_t>(ds.num_users()));
  for (size_t e = 0; e < items.size(); ++e) ++per_user[ds.interactions[e].user][cat_of[items[e]]];
  double sum = 0;
  int n = 0;
  for (const auto& counts : per_user) {
    int total = 0, top = 0;
    for (const auto& [c, k] : counts) {
      total += k;
      top = std::max(top, k);
    }
    if (total < 20) continue;
    sum += static_cast<double>(top) / total;
    ++n;
  }
  return sum / n;
}

// The generator is linear in the interactions, so the suite checks it at the
// scale the benchmarks use.
TEST(Synthetic, MillionInteractionsKeepSizesAndPlantedTastes) {
  const Dataset ds = generate_synthetic(test::synthetic_size(30000, 15000, 1000000));
  EXPECT_EQ(ds.interactions.size(), 1000000u);
  EXPECT_LE(ds.num_users(), 30000);
  EXPECT_GT(ds.num_users(), 27000);
  EXPECT_LE(ds.num_items(), 15000);
  EXPECT_GT(ds.num_items(), 13000);  // a few late arrivals are never picked
  for (size_t e = 1; e < ds.interactions.size(); ++e) ASSERT_LE(ds.interactions[e - 1].time, ds.interactions[e].time);
  // Tastes are planted: a user's interactions concentrate on categories far
  // beyond what the same items spread over users at random would show.
  const double planted = top_category_share(ds, false), shuffled = top_category_share(ds, true);
  EXPECT_GT(planted, 2.0 * shuffled) << "planted " << planted << " vs shuffled " << shuffled;
  // Popularity is skewed: the top 1% of items hold far more than 1% of the interactions.
  std::vector<int64_t> deg(static_cast<size_t>(ds.num_items()), 0);
  for (const auto& e : ds.interactions) ++deg[e.item];
  std::sort(deg.rbegin(), deg.rend());
  int64_t top = 0;
  for (size_t i = 0; i < deg.size() / 100; ++i) top += deg[i];
  EXPECT_GT(static_cast<double>(top) / 1e6, 0.05);
}

TEST(Synthetic, RejectsBadSizes) {
  SyntheticConfig c = small();
  c.users = 0;
  EXPECT_ANY_THROW(generate_synthetic(c));
}

}  // namespace
}  // namespace bcemb
