#include "bcemb/compat/alignment.h"

#include <gtest/gtest.h>

#include "bcemb/compat/composition.h"
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

// The collapsed form (one d x d metric) has the value and gradient of the
// chain of products it replaces.
TEST(Alignment, MultiStepEqualsTheChainOfProducts) {
  torch::manual_seed(3);
  const auto prev = torch::randn({50, 6});
  const auto mapped = torch::randn({50, 6}).requires_grad_(true);
  const std::vector<torch::Tensor> chain = {torch::randn({5, 6}), torch::randn({4, 5}), torch::randn({3, 4})};
  const auto loss = alignment_loss(AlignmentLoss::MultiStep, prev, mapped, chain);
  const auto grad = torch::autograd::grad({loss}, {mapped})[0];
  auto r = prev - mapped;
  auto chained = r.pow(2).mean();
  for (const auto& b : chain) {
    r = torch::mm(r, b.t());
    chained = chained + r.pow(2).mean();
  }
  chained = chained / 4.0;
  const auto chained_grad = torch::autograd::grad({chained}, {mapped})[0];
  EXPECT_NEAR(loss.item<double>(), chained.item<double>(), 1e-4 * chained.item<double>());
  EXPECT_TRUE(torch::allclose(grad, chained_grad, 1e-4, 1e-6)) << (grad - chained_grad).abs().max().item<float>();
}

// A batch's distinct rows weighted by their counts give the loss (and the
// gradient per distinct row) of the repeated rows, single- and multi-step.
TEST(Alignment, WeightedDistinctRowsEqualRepeatedRows) {
  torch::manual_seed(5);
  const auto prev = torch::randn({7, 4});
  const auto mapped = torch::randn({7, 4});
  const auto rows = torch::tensor({0, 3, 3, 1, 6, 0, 3, 2, 5, 4, 4, 6}, torch::kLong);  // every row, some repeated
  const auto count = torch::bincount(rows).to(torch::kFloat);
  const std::vector<torch::Tensor> chain = {torch::randn({3, 4}), torch::randn({2, 3})};
  for (const auto kind : {AlignmentLoss::SingleStep, AlignmentLoss::MultiStep}) {
    const auto distinct = mapped.clone().requires_grad_(true);
    const auto weighted = alignment_loss(kind, prev, distinct, chain, count);
    const auto leaf = mapped.clone().requires_grad_(true);
    const auto repeated = alignment_loss(kind, prev.index_select(0, rows), leaf.index_select(0, rows), chain);
    EXPECT_NEAR(weighted.item<double>(), repeated.item<double>(), 1e-5 * repeated.item<double>());
    const auto g = torch::autograd::grad({weighted}, {distinct})[0];
    const auto g_ref = torch::autograd::grad({repeated}, {leaf})[0];
    EXPECT_TRUE(torch::allclose(g, g_ref, 1e-4, 1e-6)) << (g - g_ref).abs().max().item<float>();
  }
  EXPECT_THROW(alignment_loss(AlignmentLoss::SingleStep, prev, mapped, {}, torch::ones({6})), Error);
}

// The anchored target (shifted rows plus a constant per row) gives the loss,
// and so the gradient, of the multi-step terms with the version-0 term
// measured against the anchor, for any mapped rows.
TEST(Alignment, AnchoredTargetEqualsTheVersionZeroTermAgainstTheAnchor) {
  torch::manual_seed(9);
  const int64_t n = 40;
  const auto prev = torch::randn({n, 6});
  const auto anchor = torch::randn({n, 3});
  const std::vector<torch::Tensor> chain = {torch::randn({4, 6}), torch::randn({3, 4})};  // B_2, B_1
  const AnchoredTarget t = anchored_target(prev, anchor, chain);
  ASSERT_TRUE(t.offset.defined());
  EXPECT_EQ(t.prev.sizes(), prev.sizes());
  EXPECT_GT((t.prev - prev).abs().max().item<float>(), 1e-3f);  // the anchor moved the target
  const auto weights = torch::rand({n}) + 0.5;
  for (int trial = 0; trial < 2; ++trial) {
    const auto mapped = torch::randn({n, 6}).requires_grad_(true);
    const auto loss = alignment_loss(AlignmentLoss::MultiStep, t.prev, mapped, chain, weights, t.offset);
    const auto grad = torch::autograd::grad({loss}, {mapped})[0];
    // By hand: terms j = 2, 1 through z_{k-1}; j = 0 against the anchor.
    const auto r = prev - mapped;
    const auto r1 = torch::mm(r, chain[0].t());
    const auto to0 = torch::mm(torch::mm(mapped, chain[0].t()), chain[1].t());
    const auto per_row = r.pow(2).sum(1) / 6.0 + r1.pow(2).sum(1) / 4.0 + (anchor - to0).pow(2).sum(1) / 3.0;
    const auto direct = torch::dot(per_row, weights) / weights.sum() / 3.0;
    const auto direct_grad = torch::autograd::grad({direct}, {mapped})[0];
    EXPECT_NEAR(loss.item<double>(), direct.item<double>(), 1e-4 * direct.item<double>());
    EXPECT_TRUE(torch::allclose(grad, direct_grad, 1e-3, 1e-6)) << (grad - direct_grad).abs().max().item<float>();
  }
  // Version 1: z_0 is M_0's own output, nothing to shift.
  const AnchoredTarget first = anchored_target(prev, torch::randn({n, 6}), {});
  EXPECT_TRUE(torch::equal(first.prev, prev));
  EXPECT_FALSE(first.offset.defined());
  EXPECT_THROW(anchored_target(prev, torch::randn({n - 1, 3}), chain), Error);
  EXPECT_THROW(anchored_target(prev, torch::randn({n, 4}), chain), Error);
  EXPECT_THROW(alignment_loss(AlignmentLoss::SingleStep, t.prev, prev, chain, {}, t.offset), Error);
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

// [R 0]: orthogonal on the old coordinates, blind to the new ones; its matrix
// composes like any other B.
TEST(Transform, OrthogonalStaysOrthogonalAndComposes) {
  torch::manual_seed(1);
  BackwardTransform t(TransformKind::Orthogonal, 3, 5);
  EXPECT_TRUE(t->learnable());
  torch::optim::SGD opt(t->parameters(), 0.5);
  const auto z = torch::randn({64, 5}), target = torch::randn({64, 3});
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    (t->forward(z) - target).pow(2).mean().backward();
    opt.step();
    t->project();
  }
  const Matrix m = t->to_matrix();
  ASSERT_EQ(m.rows, 3);
  ASSERT_EQ(m.cols, 5);
  const auto b = to_tensor(m);
  EXPECT_TRUE(torch::allclose(torch::mm(b.narrow(1, 0, 3), b.narrow(1, 0, 3).t()), torch::eye(3), 1e-4, 1e-5));
  EXPECT_TRUE(torch::equal(b.narrow(1, 3, 2), torch::zeros({3, 2})));
  EXPECT_TRUE(torch::allclose(t->forward(z), torch::mm(z, b.t()), 1e-5, 1e-5));
  // Two steps collapse to one matrix: B_1 (2 x 3) after B_2 (3 x 5).
  TransformChain chain(2);
  chain.push(truncation_matrix(2, 3));
  chain.push(m);
  const Matrix zm = to_matrix(z);
  const Matrix one = chain.apply(zm, 2, 0), steps = chain.apply_chain(zm, 2, 0);
  for (size_t i = 0; i < one.data.size(); ++i) EXPECT_NEAR(one.data[i], steps.data[i], 1e-5);
}

TEST(Transform, ClosedFormRefitRecoversAKnownMap) {
  torch::manual_seed(2);
  const auto z = torch::randn({200, 6});
  const auto w = torch::randn({4, 6});
  BackwardTransform lin(TransformKind::Linear, 4, 6);
  lin->refit(z, torch::mm(z, w.t()));
  EXPECT_TRUE(torch::allclose(to_tensor(lin->to_matrix()), w, 1e-3, 1e-4));
  // Procrustes on the first 4 coordinates recovers a rotation.
  const auto q = std::get<0>(torch::linalg::qr(torch::randn({4, 4}), "reduced"));
  BackwardTransform ortho(TransformKind::Orthogonal, 4, 6);
  ortho->refit(z, torch::mm(z.narrow(1, 0, 4), q.t()));
  EXPECT_TRUE(torch::allclose(to_tensor(ortho->to_matrix()).narrow(1, 0, 4), q, 1e-3, 1e-4));
}

// Users and items that one linear map cannot both reach: users' targets
// are z A, items' z C. A gauge gives B two maps (users G B^T, items G^-T B^T)
// while every user-item score of the table stays the model's.
TEST(Transform, GaugeKeepsScoresAndFitsUsersAndItemsApart) {
  torch::manual_seed(3);
  const int64_t users = 300, d = 6, d_prev = 4;
  const auto z = torch::randn({500, d});
  const auto target = torch::cat({torch::mm(z.narrow(0, 0, users), torch::randn({d, d_prev})),
                                  torch::mm(z.narrow(0, users, 200), torch::randn({d, d_prev}))});
  auto fit = [&](bool gauge) {
    torch::manual_seed(4);
    BackwardTransform t(TransformKind::Linear, d_prev, d, gauge);
    torch::optim::Adam opt(t->parameters(), torch::optim::AdamOptions(1e-2));
    double loss = 0;
    for (int i = 0; i < 1500; ++i) {
      opt.zero_grad();
      const auto l = (t->forward(t->reparametrise(z, users)) - target).pow(2).mean();
      l.backward();
      opt.step();
      loss = l.item<double>();
    }
    return std::make_pair(t, loss);
  };
  auto [plain, plain_loss] = fit(false);
  auto [gauged, gauged_loss] = fit(true);
  EXPECT_FALSE(plain->has_gauge());
  ASSERT_TRUE(gauged->has_gauge());
  EXPECT_LT(gauged_loss, 0.8 * plain_loss);
  EXPECT_FALSE(torch::allclose(gauged->gauge(), torch::eye(d), 1e-2, 1e-2)) << "the gauge was learned";
  torch::NoGradGuard no_grad;
  const auto table = gauged->reparametrise(z, users);
  const auto scores = torch::mm(z.narrow(0, 0, users), z.narrow(0, users, 200).t());
  const auto kept = torch::mm(table.narrow(0, 0, users), table.narrow(0, users, 200).t());
  EXPECT_TRUE(torch::allclose(kept, scores, 1e-3, 1e-3)) << (kept - scores).abs().max().item<double>();
  // apply_gauge with the module's G gives the same table; without one, z itself.
  EXPECT_TRUE(torch::allclose(apply_gauge(z, gauged->gauge(), users), table, 1e-4, 1e-4));
  EXPECT_TRUE(torch::equal(apply_gauge(z, torch::Tensor(), users), z));
  // B stays one d_{k-1} x d_k matrix for the chain.
  const Matrix m = gauged->to_matrix();
  EXPECT_EQ(m.rows, d_prev);
  EXPECT_EQ(m.cols, d);
  EXPECT_THROW(BackwardTransform(TransformKind::Truncate, d_prev, d, true), Error);
  EXPECT_THROW(apply_gauge(z, gauged->gauge(), 501), Error);
}

}  // namespace
}  // namespace bcemb
