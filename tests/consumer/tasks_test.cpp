#include "bcemb/consumer/tasks.h"

#include <gtest/gtest.h>

#include <map>

#include "bcemb/util/error.h"

namespace bcemb {
namespace {

// Two versions over 12 edges at times 0..11 (cuts after edge 4, 7, 11).
// Users (first appearance): a=0 b=1 c=2 d=3; items x=0 y=1 z=2 w=3.
Dataset tiny() {
  DatasetBuilder b;
  struct Row {
    const char *u, *i;
    float r;
  };
  const Row rows[] = {{"a", "x", 5}, {"b", "x", 2}, {"a", "y", 4}, {"c", "y", 3}, {"b", "z", 5},  // v0 train (0..4)
                      {"a", "z", 1}, {"d", "x", 4}, {"d", "y", 5},                                // v0 window (5..7)
                      {"b", "w", 4}, {"c", "x", 5}, {"a", "w", 3}, {"c", "z", 2}};               // v1 window (8..11)
  for (int t = 0; t < 12; ++t) b.add_interaction(rows[t].u, rows[t].i, rows[t].r, t);
  b.add_user_attribute("a", "gender", "F");
  b.add_user_attribute("b", "gender", "M");
  b.add_user_attribute("c", "gender", "M");
  b.add_user_attribute("d", "gender", "M");
  return b.build("tiny", {});
}

std::vector<Version> tiny_versions(const Dataset& ds) {
  SliceSpec s;
  s.timestamps = {4, 7, 11};
  return make_versions(ds, s);
}

TEST(Tasks, EdgeRatingLabels) {
  const Dataset ds = tiny();
  const auto v = tiny_versions(ds);
  const TaskSet tasks(ds, v);
  const TaskExamples tr = tasks.train("edge-rating");
  // v0 train: edges 0..4 plus new user d's first window edge (d-x, rating 4)
  ASSERT_EQ(tr.size(), 6u);
  EXPECT_EQ(tr.labels, (std::vector<float>{1, 0, 1, 0, 1, 1}));
  const TaskExamples val0 = tasks.at("edge-rating", 0);  // a-z (1) and d-y (5)
  EXPECT_EQ(val0.labels, (std::vector<float>{0, 1}));
  EXPECT_EQ(val0.items, (std::vector<int32_t>{2, 1}));
}

TEST(Tasks, ActivityLabels) {
  const Dataset ds = tiny();
  const auto v = tiny_versions(ds);
  const TaskSet tasks(ds, v);
  // version 1: users known at t=11: a b c d; validation edges b-w(4) c-x(5) a-w(3) c-z(2)
  const TaskExamples act = tasks.at("user-activity", 1);
  EXPECT_EQ(act.nodes, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(act.labels, (std::vector<float>{1, 1, 1, 0}));
  const TaskExamples pos = tasks.at("user-positive-activity", 1);
  EXPECT_EQ(pos.labels, (std::vector<float>{0, 1, 1, 0}));  // a's max is 3, c's max is 5
  EXPECT_EQ(tasks.task("user-activity").selection_version, 1);
  EXPECT_EQ(tasks.task("user-activity").first_eval_version, 2);
  // training labels are version 0's: a (a-z) and d (d-y) are active
  EXPECT_EQ(tasks.train("user-activity").labels, (std::vector<float>{1, 0, 0, 1}));
}

TEST(Tasks, ItemRatingNeedsTenRatings) {
  DatasetBuilder b;
  // item "p": 10 ratings (mean 3.5, std > 1), item "q": 10 ratings of 4 (std 0), item "r": 3 ratings
  int t = 0;
  for (int u = 0; u < 10; ++u) b.add_interaction("u" + std::to_string(u), "p", u % 2 ? 5.0f : 2.0f, t++);
  for (int u = 0; u < 10; ++u) b.add_interaction("u" + std::to_string(u), "q", 4.0f, t++);
  for (int u = 0; u < 3; ++u) b.add_interaction("u" + std::to_string(u), "r", 1.0f, t++);
  for (int u = 0; u < 5; ++u) b.add_interaction("v" + std::to_string(u), "r", 1.0f, t++);
  const Dataset ds = b.build("items", {});
  SliceSpec s;
  s.timestamps = {22, t - 1};
  const auto v = make_versions(ds, s);
  const TaskSet tasks(ds, v);
  const TaskExamples avg = tasks.train("item-rating-avg");
  ASSERT_EQ(avg.nodes, (std::vector<int32_t>{0, 1}));  // r has 3 ratings in training
  // threshold = median of {3.5, 4.0} = 3.75: p below, q above
  EXPECT_EQ(avg.labels, (std::vector<float>{0, 1}));
  EXPECT_EQ(tasks.train("item-rating-std").labels, (std::vector<float>{1, 0}));
  // at version 0 (train + val) r has 8 ratings: still out
  EXPECT_EQ(tasks.at("item-rating-avg", 0).size(), 2u);
}

TEST(Tasks, AttributeTaskOneVsRestAndUnknownNames) {
  const Dataset ds = tiny();
  const auto v = tiny_versions(ds);
  const TaskSet tasks(ds, v);
  const TaskDef& g = tasks.task("user-gender=M");
  EXPECT_EQ(g.input, TaskInput::User);
  EXPECT_THROW(tasks.task("user-shoe-size"), Error);
  EXPECT_THROW(tasks.at("edge-rating", 5), Error);
}

// A number-coded category (a genre id) is a category; a kind declared
// numeric is thresholded at its median.
TEST(Tasks, NumberCodedAttributesAreCategoriesUnlessDeclaredNumeric) {
  auto build = [](bool numeric) {
    DatasetBuilder b;
    const char* items[] = {"x", "y", "z", "w"};
    for (int t = 0; t < 12; ++t) b.add_interaction("u" + std::to_string(t % 4), items[t % 4], 4, t);
    const char* genre[] = {"7", "3", "7", "12"};
    for (int i = 0; i < 4; ++i) b.add_item_attribute(items[i], "genre", genre[i]);
    if (numeric) b.set_numeric("genre");
    return b.build("coded", {});
  };
  const Dataset cat = build(false), num = build(true);
  EXPECT_FALSE(cat.item_attribute("genre")->numeric);
  EXPECT_TRUE(num.item_attribute("genre")->numeric);
  const TaskSet ct(cat, tiny_versions(cat)), nt(num, tiny_versions(num));
  bool categorical = false, thresholded = false;
  for (const auto& t : ct.tasks()) categorical = categorical || t.name == "item-genre=7";
  for (const auto& t : nt.tasks()) thresholded = thresholded || t.name.rfind("item-genre>=", 0) == 0;
  EXPECT_TRUE(categorical);
  EXPECT_TRUE(thresholded);
}

TEST(Tasks, SampledExamplesAreAFixedSubsetInOrder) {
  TaskExamples ex;
  for (int32_t i = 0; i < 1000; ++i) {  // edge examples whose fields encode their index
    ex.nodes.push_back(i);
    ex.items.push_back(2 * i);
    ex.labels.push_back(i % 3 == 0 ? 1.0f : 0.0f);
  }
  const TaskExamples s = sample_examples(ex, 100, 5);
  ASSERT_EQ(s.size(), 100u);
  ASSERT_EQ(s.nodes.size(), 100u);
  ASSERT_EQ(s.items.size(), 100u);
  for (size_t j = 0; j < s.size(); ++j) {
    const int32_t i = s.nodes[j];
    if (j > 0) {
      EXPECT_LT(s.nodes[j - 1], i);  // original order, no repeats
    }
    EXPECT_EQ(s.items[j], 2 * i);
    EXPECT_EQ(s.labels[j], i % 3 == 0 ? 1.0f : 0.0f);
  }
  // Spread over the whole range, not a prefix; the same subset for the same seed, another for another.
  EXPECT_GT(s.nodes.back(), 500);
  EXPECT_EQ(sample_examples(ex, 100, 5).nodes, s.nodes);
  EXPECT_NE(sample_examples(ex, 100, 6).nodes, s.nodes);
  // Under the cap (or no cap): everything, unchanged.
  EXPECT_EQ(sample_examples(ex, 1000, 5).nodes, ex.nodes);
  EXPECT_EQ(sample_examples(ex, 0, 5).labels, ex.labels);
  EXPECT_EQ(sample_examples(ex, 999, 5).size(), 999u);  // one left out
  EXPECT_EQ(sample_examples(TaskExamples{}, 10, 5).size(), 0u);
  // Node examples have no items.
  TaskExamples users;
  users.nodes = {4, 5, 6};
  users.labels = {1, 0, 1};
  const TaskExamples u = sample_examples(users, 2, 1);
  EXPECT_EQ(u.size(), 2u);
  EXPECT_TRUE(u.items.empty());
}

}  // namespace
}  // namespace bcemb
