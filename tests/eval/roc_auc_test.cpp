#include "bcemb/eval/roc_auc.h"

#include <gtest/gtest.h>

#include "bcemb/util/error.h"

namespace bcemb {
namespace {

TEST(RocAuc, HandComputedWithTies) {
  // positives: 0.8, 0.4(tie), 0.3; negatives: 0.4(tie), 0.2, 0.1
  // pairs (pos > neg): 0.8 beats 3; 0.4 beats 2 and ties 1 (0.5); 0.3 beats 2 -> 3 + 2.5 + 2 = 7.5 of 9
  const std::vector<float> scores = {0.8f, 0.4f, 0.3f, 0.4f, 0.2f, 0.1f};
  const std::vector<float> labels = {1, 1, 1, 0, 0, 0};
  EXPECT_DOUBLE_EQ(roc_auc(scores, labels), 7.5 / 9.0);
}

TEST(RocAuc, PerfectReversedAndConstant) {
  EXPECT_DOUBLE_EQ(roc_auc({1, 2, 3, 4}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({4, 3, 2, 1}, {0, 0, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(roc_auc({5, 5, 5, 5}, {0, 1, 0, 1}), 0.5);
}

TEST(RocAuc, SingleClassAndSizeMismatchAreErrors) {
  EXPECT_THROW(roc_auc({1, 2}, {1, 1}), Error);
  EXPECT_THROW(roc_auc({1, 2}, {1}), Error);
}

}  // namespace
}  // namespace bcemb
