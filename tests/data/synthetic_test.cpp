#include "bcemb/data/synthetic.h"

#include <gtest/gtest.h>

#include <map>

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

TEST(Synthetic, RejectsBadSizes) {
  SyntheticConfig c = small();
  c.users = 0;
  EXPECT_ANY_THROW(generate_synthetic(c));
}

}  // namespace
}  // namespace bcemb
