#include "bcemb/compat/alignment.h"

#include <gtest/gtest.h>

#include "bcemb/compat/transform.h"
#include "bcemb/util/error.h"

namespace bcemb {
namespace {

TEST(Alignment, SingleStepIsElementwiseMse) {
  const auto prev = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({2, 2});
  const auto mapped = torch::zeros({2, 2});
  EXPECT_FLOAT_EQ(alignment_loss(AlignmentLoss::SingleStep, prev, mapped, {}).item<float>(), 7.5f);
}

TEST(Alignment, MultiStepHandComputed) {
  // r = z_{k-1} - B_k z_k = [[1,2],[3,4]]
  const auto prev = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({2, 2});
  const auto mapped = torch::zeros({2, 2});
  // k = 2: terms mean(r^2) = 7.5 and mean((r B_1^T)^2) with B_1 = [1 -1]: r B_1^T = [-1, -1] -> 1
  const auto b1 = torch::tensor({1.0f, -1.0f}).view({1, 2});
  EXPECT_FLOAT_EQ(alignment_loss(AlignmentLoss::MultiStep, prev, mapped, {b1}).item<float>(), (7.5f + 1.0f) / 2);
  // k = 3 with B_2 = swap: terms 7.5, 7.5 (swapped r), and B_1 B_2 r = [1, 1] -> 1
  const auto b2 = torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({2, 2});
  EXPECT_FLOAT_EQ(alignment_loss(AlignmentLoss::MultiStep, prev, mapped, {b2, b1}).item<float>(), 16.0f / 3);
  // single-step ignores the chain
  EXPECT_FLOAT_EQ(alignment_loss(AlignmentLoss::SingleStep, prev, mapped, {b2, b1}).item<float>(), 7.5f);
  EXPECT_THROW(alignment_loss(AlignmentLoss::SingleStep, prev, torch::zeros({2, 3}), {}), Error);
}

TEST(Transform, KindsAndShapes) {
  BackwardTransform lin(TransformKind::Linear, 3, 5);
  EXPECT_TRUE(lin->learnable());
  EXPECT_EQ(lin->forward(torch::randn({4, 5})).sizes(), (std::vector<int64_t>{4, 3}));
  BackwardTransform trunc(TransformKind::Truncate, 3, 5);
  EXPECT_FALSE(trunc->learnable());
  const auto z = torch::randn({2, 5});
  EXPECT_TRUE(torch::equal(trunc->forward(z), z.narrow(1, 0, 3)));
  const Matrix m = trunc->to_matrix();
  EXPECT_FLOAT_EQ(m.at(2, 2), 1.0f);
  EXPECT_FLOAT_EQ(m.at(2, 4), 0.0f);
  EXPECT_THROW(BackwardTransform(TransformKind::Truncate, 5, 3), Error);
  EXPECT_THROW(BackwardTransform(TransformKind::Identity, 3, 4), Error);
  EXPECT_THROW(lin->forward(torch::randn({1, 4})), Error);
}

}  // namespace
}  // namespace bcemb
