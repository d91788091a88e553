#include "bcemb/versions/time_slices.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "bcemb/data/loaders.h"
#include "bcemb/util/error.h"
#include "test_util.h"

namespace bcemb {
namespace {

// 10 edges at times 0..9. Users by first appearance: a=0 b=1 c=2 d=3 e=4.
Dataset tiny() {
  DatasetBuilder b;
  const char* rows[][2] = {{"a", "x"}, {"b", "y"}, {"a", "y"}, {"b", "x"}, {"c", "x"},
                           {"a", "z"}, {"d", "x"}, {"d", "y"}, {"e", "z"}, {"c", "y"}};
  for (int t = 0; t < 10; ++t) b.add_interaction(rows[t][0], rows[t][1], 4.0f, t);
  return b.build("tiny", {});
}

TEST(TimeSlices, HandComputedSplit) {
  const Dataset ds = tiny();
  SliceSpec s;
  s.fractions = {0.5, 1.0};  // edge e at e/9: <= 0.5 means e <= 4
  const auto v = make_versions(ds, s);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].end_train, 5);
  EXPECT_EQ(v[0].users_before, 3);  // a b c
  EXPECT_EQ(v[0].num_users, 5);
  EXPECT_EQ(v[0].items_before, 2);  // x y
  EXPECT_EQ(v[0].num_items, 3);
  // window edges 5..9: a-z (old user) -> val; d-x, d-y (new user, 2 edges): d-x train, d-y val;
  // e-z (new user, 1 edge) -> train; c-y (old) -> val.
  EXPECT_EQ(v[0].val, (std::vector<int64_t>{5, 7, 9}));
  EXPECT_EQ(v[0].train, (std::vector<int64_t>{0, 1, 2, 3, 4, 6, 8}));
}

TEST(TimeSlices, InvariantsOnMovieLens) {
  REQUIRE_SHARED("movielens-100k/u.data");
  LoadOptions o;
  o.format = "movielens";
  o.path = test::shared_data("movielens-100k");
  const Dataset ds = load_dataset(o);
  const auto versions = make_versions(ds, SliceSpec{});
  ASSERT_EQ(versions.size(), 5u);
  for (const auto& v : versions) {
    const std::set<int64_t> train(v.train.begin(), v.train.end());
    for (const int64_t e : v.val) ASSERT_EQ(train.count(e), 0u) << "val edge in train";
    EXPECT_EQ(v.train.size() + v.val.size(), static_cast<size_t>(v.end_val));
    // every val edge: an old user, or the last window edge of a new user
    std::map<int32_t, int64_t> last;
    std::map<int32_t, int> count;
    for (int64_t e = v.end_train; e < v.end_val; ++e) {
      last[ds.interactions[e].user] = e;
      ++count[ds.interactions[e].user];
    }
    for (const int64_t e : v.val) {
      const int32_t u = ds.interactions[e].user;
      if (u >= v.users_before) {
        EXPECT_EQ(last[u], e);
        EXPECT_GE(count[u], 2);
      }
    }
    for (const auto& [u, n] : count) {
      if (u >= v.users_before && n == 1) {
        EXPECT_EQ(train.count(last[u]), 1u) << "single-edge new user not in train";
      }
    }
    // node counts: every edge inside the version's node range, new nodes counted
    for (const int64_t e : v.train) {
      ASSERT_LT(ds.interactions[e].user, v.num_users);
      ASSERT_LT(ds.interactions[e].item, v.num_items);
    }
    EXPECT_GE(v.new_users(), 0);
  }
  EXPECT_EQ(versions[0].num_users, 590);  // as the speed anchor reports for this split
  EXPECT_EQ(versions[0].num_items, 1511);
  EXPECT_EQ(versions[0].train.size(), 58271u);
  EXPECT_EQ(versions[0].val.size(), 1729u);
  EXPECT_EQ(versions.back().num_users, 943);
}

TEST(TimeSlices, TimestampCuts) {
  const Dataset ds = tiny();
  SliceSpec s;
  s.timestamps = {4, 9};
  const auto v = make_versions(ds, s);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].end_train, 5);
  EXPECT_EQ(v[0].end_val, 10);
}

TEST(TimeSlices, BadCutsAreErrors) {
  const Dataset ds = tiny();
  SliceSpec s;
  s.fractions = {0.6, 0.5};
  EXPECT_THROW(make_versions(ds, s), Error);
  s.fractions = {0.5};
  EXPECT_THROW(make_versions(ds, s), Error);
  s.fractions = {0.5, 1.5};
  EXPECT_THROW(make_versions(ds, s), Error);
}

}  // namespace
}  // namespace bcemb
