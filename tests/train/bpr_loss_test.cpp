#include "bcemb/train/bpr_loss.h"

#include <gtest/gtest.h>

#include "bcemb/util/error.h"

namespace bcemb {
namespace {

// The loss as plain autograd ops (what bpr_loss fuses).
torch::Tensor reference(const torch::Tensor& table, const torch::Tensor& index, double wd, torch::Tensor* margin) {
  const int64_t n = index.size(0) / 3;
  const auto z = table.index_select(0, index);
  const auto parts = z.split(n);
  *margin = (parts[0] * parts[1]).sum(1) - (parts[0] * parts[2]).sum(1);
  return torch::softplus(-*margin).mean() + wd * 0.5 * z.pow(2).sum() / static_cast<double>(n);
}

// Value, margins and gradient equal the unfused ops, with rows repeated
// across and within triples (a positive may also be another triple's
// negative), for the loss alone and with a term on the margins (as
// distillation adds).
TEST(BprLoss, EqualsTheUnfusedOps) {
  torch::manual_seed(11);
  const auto table0 = torch::randn({9, 20}) * 2;
  // users 0..2, items 3..8; 5 triples
  const auto index = torch::tensor({0, 1, 1, 2, 0, /*pos*/ 3, 4, 5, 3, 8, /*neg*/ 6, 3, 7, 8, 4}, torch::kLong);
  const auto target = torch::rand({5});
  for (const bool with_margin_term : {false, true}) {
    const auto t1 = table0.clone().requires_grad_(true);
    const BprLoss fused = bpr_loss(t1, index, 0.3);
    auto loss1 = fused.loss;
    const auto t2 = table0.clone().requires_grad_(true);
    torch::Tensor margin2;
    auto loss2 = reference(t2, index, 0.3, &margin2);
    EXPECT_NEAR(loss1.item<double>(), loss2.item<double>(), 1e-5 * std::abs(loss2.item<double>()));
    EXPECT_TRUE(torch::allclose(fused.margin, margin2, 1e-5, 1e-5));
    if (with_margin_term) {
      loss1 = loss1 + torch::binary_cross_entropy_with_logits(fused.margin, target);
      loss2 = loss2 + torch::binary_cross_entropy_with_logits(margin2, target);
    }
    const auto g1 = torch::autograd::grad({loss1}, {t1})[0];
    const auto g2 = torch::autograd::grad({loss2}, {t2})[0];
    EXPECT_TRUE(torch::allclose(g1, g2, 1e-4, 1e-6)) << (g1 - g2).abs().max().item<float>();
  }
}

// Large margins: softplus neither overflows nor loses its gradient.
TEST(BprLoss, StableForLargeMargins) {
  const auto table = torch::tensor({10.0f, 10.0f, 10.0f, -10.0f}).view({4, 1}).requires_grad_(true);
  // triples (user 0, pos 1, neg 3) and (user 0, pos 3, neg 1): margins +200 and -200
  const auto index = torch::tensor({0, 0, 1, 3, 3, 1}, torch::kLong);
  const BprLoss l = bpr_loss(table, index, 0.0);
  EXPECT_NEAR(l.loss.item<double>(), 100.0, 1e-3);  // (softplus(-200) + softplus(200)) / 2
  const auto g = torch::autograd::grad({l.loss}, {table})[0];
  EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
  // Only the second triple pulls: -sigmoid(200) / 2 x (z_3 - z_1) = -0.5 x -20.
  EXPECT_NEAR(g[0][0].item<double>(), 10.0, 1e-4);
}

TEST(BprLoss, RejectsBadIndex) {
  const auto table = torch::zeros({4, 2});
  EXPECT_THROW(bpr_loss(table, torch::tensor({0, 1}, torch::kLong), 0.0), Error);           // not 3n
  EXPECT_THROW(bpr_loss(table, torch::tensor({0, 1, 4}, torch::kLong), 0.0), Error);        // row 4 of 4
  EXPECT_THROW(bpr_loss(table, torch::tensor({0, 1, 2}, torch::kInt), 0.0), Error);         // not int64
  EXPECT_THROW(bpr_loss(table.to(torch::kDouble), torch::tensor({0, 1, 2}, torch::kLong), 0.0), Error);
}

}  // namespace
}  // namespace bcemb
