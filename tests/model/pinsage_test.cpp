#include "bcemb/model/pinsage.h"

#include <gtest/gtest.h>

#include "bcemb/model/sparse_ops.h"
#include "bcemb/util/error.h"
#include "bcemb/util/rng.h"
#include "bcemb/train/version_fit.h"
#include "synthetic_version.h"

namespace bcemb {
namespace {

// 60 users, 40 items: small enough for finite differences.
struct Fixture : test::SyntheticVersion {
  Fixture() : SyntheticVersion(small(), 0.7, 1.0) {}
  static SyntheticConfig small() {
    SyntheticConfig c = test::synthetic_size(60, 40, 600);
    c.categories = 4;
    c.brands = 8;
    return c;
  }
};

CsrMatrix random_sparse(int64_t rows, int64_t cols, int per_row, uint64_t seed) {
  Rng rng(seed);
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  for (int64_t r = 0; r < rows; ++r) {
    for (int k = 0; k < per_row; ++k) {
      m.indices.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(cols))));
      m.values.push_back(static_cast<float>(rng.normal()));
    }
    m.indptr.push_back(m.nnz());
  }
  return m;
}

torch::Tensor dense_of(const CsrMatrix& m) {
  auto d = torch::zeros({m.rows, m.cols});
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) d[r][m.indices[e]] += m.values[e];
  return d;
}

// Few columns: the gradient scatters rows; many: it goes through the transpose.
TEST(SparseOps, SpmmGradientIsTheTransposeOnBothPaths) {
  for (const int64_t cols : {int64_t{3}, int64_t{20000}}) {
    const CsrMatrix m = random_sparse(300, cols, 4, 7);
    const auto a = std::make_shared<SparsePair>(m);
    const auto x = torch::randn({cols, 64}, torch::requires_grad());
    const auto y = spmm(a, x);
    const auto dense = dense_of(m);
    EXPECT_TRUE(torch::allclose(y, torch::mm(dense, x), 1e-4, 1e-5)) << cols;
    const auto g = torch::randn({300, 64});
    y.backward(g);
    EXPECT_TRUE(torch::allclose(x.grad(), torch::mm(dense.t(), g), 1e-4, 1e-4)) << cols;
  }
}

TEST(SparseOps, FusedProductsAndTheirGradients) {
  const CsrMatrix ma = random_sparse(40, 9, 3, 1), mb = random_sparse(40, 5, 2, 2);
  const auto x = torch::randn({9, 6}, torch::requires_grad()), y = torch::randn({5, 6}, torch::requires_grad());
  const auto out = spmm_sum(std::make_shared<SparsePair>(ma), x, std::make_shared<SparsePair>(mb), y);
  EXPECT_TRUE(torch::allclose(out, torch::mm(dense_of(ma), x) + torch::mm(dense_of(mb), y), 1e-5, 1e-5));
  const auto g = torch::randn({40, 6});
  out.backward(g);
  EXPECT_TRUE(torch::allclose(x.grad(), torch::mm(dense_of(ma).t(), g), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(y.grad(), torch::mm(dense_of(mb).t(), g), 1e-5, 1e-5));

  const CsrMatrix block = random_sparse(4, 10, 3, 3);  // 4 own rows of 10
  const auto h = torch::randn({10, 6}, torch::requires_grad());
  const auto both = self_and_neighbors(h, std::make_shared<SparsePair>(block));
  const auto expect = torch::cat({h.narrow(0, 0, 4), torch::mm(dense_of(block), h)}, 1);
  EXPECT_TRUE(torch::allclose(both, expect, 1e-5, 1e-5));
  const auto gb = torch::randn({4, 12});
  both.backward(gb);
  auto grad = torch::mm(dense_of(block).t(), gb.narrow(1, 6, 6));
  grad.narrow(0, 0, 4).add_(gb.narrow(1, 0, 6));
  EXPECT_TRUE(torch::allclose(h.grad(), grad, 1e-5, 1e-5));
}

// Layer-by-layer inference in small chunks of rows equals one full-graph pass.
TEST(PinSage, ChunkedInferenceEqualsTheFullGraphForward) {
  Fixture f;
  torch::manual_seed(5);
  PinSage model(PinSageConfig{8, 3, f.schema.table_rows()});
  // Running statistics away from their initial values, as after training.
  model->train();
  model->forward(f.vg->full_plan(3));
  model->eval();
  torch::Tensor full;
  {
    torch::NoGradGuard no_grad;
    full = model->forward(f.vg->full_plan(3));
  }
  const auto chunked = model->infer(f.vg->plans, nullptr, 7);
  ASSERT_EQ(chunked.sizes(), full.sizes());
  EXPECT_TRUE(torch::allclose(chunked, full, 1e-4, 1e-5)) << (chunked - full).abs().max().item<double>();
  EXPECT_FALSE(model->is_training());
}

// The whole SAGE stack's analytic gradient against central finite differences.
TEST(PinSage, GradientMatchesFiniteDifferences) {
  Fixture f;
  torch::manual_seed(3);
  PinSage model(PinSageConfig{6, 2, f.schema.table_rows()});
  model->to(torch::kDouble);
  model->eval();  // BatchNorm as a fixed affine map: a smooth function of the parameters
  const ComputationPlan plan = f.vg->full_plan(2);
  const auto weights = torch::randn({f.vg->graph.num_nodes(), 6}, torch::kDouble);
  auto loss_fn = [&] { return (model->forward(plan) * weights).sum(); };
  model->zero_grad();
  loss_fn().backward();
  torch::NoGradGuard no_grad;
  int checked = 0;
  for (auto& p : model->parameters()) {
    const auto flat = p.view(-1);
    const auto grad = p.grad().view(-1);
    for (int64_t i = 0; i < flat.size(0); i += std::max<int64_t>(1, flat.size(0) / 5)) {
      const double old = flat[i].item<double>();
      const double eps = 1e-6;
      flat[i] = old + eps;
      const double up = loss_fn().item<double>();
      flat[i] = old - eps;
      const double down = loss_fn().item<double>();
      flat[i] = old;
      const double numeric = (up - down) / (2 * eps);
      const double analytic = grad[i].item<double>();
      EXPECT_NEAR(analytic, numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << "parameter entry " << i;
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

TEST(PinSage, BatchPlanGivesTheFullGraphRows) {
  Fixture f;
  torch::manual_seed(4);
  PinSage model(PinSageConfig{8, 3, f.schema.table_rows()});
  model->eval();
  torch::NoGradGuard no_grad;
  const auto full = model->forward(f.vg->full_plan(3));
  PlanBuilder builder(f.vg->plans);
  const std::vector<int32_t> targets = {5, 0, static_cast<int32_t>(f.vg->graph.num_users() + 3), 17};
  const auto part = model->forward(builder.plan(targets, 3));
  ASSERT_EQ(part.size(0), 4);
  for (size_t i = 0; i < targets.size(); ++i)
    EXPECT_TRUE(torch::allclose(part[i], full[targets[i]], 1e-4, 1e-5)) << "target " << targets[i];
}

TEST(PinSage, SampledPlanWithFanoutAtLeastTheMaxDegreeEqualsTheBatchPlan) {
  Fixture f;
  torch::manual_seed(6);
  PinSage model(PinSageConfig{8, 3, f.schema.table_rows()});
  const std::vector<int32_t> targets = {1, 4, static_cast<int32_t>(f.vg->graph.num_users() + 2), 9};
  PlanBuilder builder(f.vg->plans);
  model->train();  // batch statistics: the sampled rows must be exactly the exact plan's
  const auto exact = model->forward(builder.plan(targets, 3));
  const auto sampled = model->forward(builder.plan(targets, 3, {1 << 20}, 3));
  EXPECT_TRUE(torch::equal(exact, sampled));
  const auto fewer = model->forward(builder.plan(targets, 3, {1}, 3));
  EXPECT_FALSE(torch::equal(exact, fewer));
}

// With every neighbour and history equal to the exact layer outputs, a
// historical plan computes exactly the full graph's rows of its targets.
TEST(PinSage, HistoricalPlanWithExactHistoryEqualsTheFullGraphRows) {
  Fixture f;
  torch::manual_seed(8);
  PinSage model(PinSageConfig{8, 3, f.schema.table_rows()});
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> history;
  const auto full = model->forward(f.vg->full_plan(3), nullptr, &history);
  ASSERT_EQ(history.size(), 2u);
  PlanBuilder builder(f.vg->plans);
  const std::vector<int32_t> targets = {3, static_cast<int32_t>(f.vg->graph.num_users() + 1), 11};
  const ComputationPlan plan = builder.historical_plan(targets, 3, {0}, 1);
  EXPECT_TRUE(plan.historical);
  EXPECT_EQ(plan.layer_rows, (std::vector<int64_t>{3, 3, 3}));
  const auto part = model->forward(plan, &history);
  for (size_t i = 0; i < targets.size(); ++i)
    EXPECT_TRUE(torch::allclose(part[i], full[targets[i]], 1e-4, 1e-5)) << "target " << targets[i];
  EXPECT_THROW(model->forward(plan), Error);  // no history given
}

// A historical fit's refresh keeps layers 1..L-1 without computing layer L:
// the same tables as forward()'s layer outputs, in training mode (the
// refresh's: BatchNorm over the rows computed).
TEST(PinSage, HiddenOutputsAreForwardsLayerOutputs) {
  Fixture f;
  torch::manual_seed(9);
  PinSage model(PinSageConfig{8, 3, f.schema.table_rows()});
  model->train();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> expected;
  model->forward(f.vg->full_plan(3), nullptr, &expected);
  const auto hidden = model->hidden_outputs(f.vg->full_plan(3));
  ASSERT_EQ(hidden.size(), 2u);
  for (size_t l = 0; l < hidden.size(); ++l) EXPECT_TRUE(torch::equal(hidden[l], expected[l])) << "layer " << l + 1;
  PinSage one_layer(PinSageConfig{8, 1, f.schema.table_rows()});
  EXPECT_TRUE(one_layer->hidden_outputs(f.vg->full_plan(1)).empty());
}

TEST(PinSage, PlanWithWrongDepthIsAnError) {
  Fixture f;
  PinSage model(PinSageConfig{4, 2, f.schema.table_rows()});
  EXPECT_ANY_THROW(model->forward(f.vg->full_plan(3)));
}

}  // namespace
}  // namespace bcemb
