#include "bcemb/model/pinsage.h"

#include <gtest/gtest.h>

#include "bcemb/model/sparse_ops.h"
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

TEST(SparseOps, SpmmGradientIsTheTranspose) {
  CsrMatrix m;
  m.rows = 2;
  m.cols = 3;
  m.indptr = {0, 2, 3};
  m.indices = {0, 2, 1};
  m.values = {0.5f, 2.0f, -1.0f};
  const auto a = std::make_shared<SparsePair>(m);
  const auto x = torch::randn({3, 4}, torch::requires_grad());
  const auto y = spmm(a, x);
  const auto dense = torch::tensor({0.5f, 0.0f, 2.0f, 0.0f, -1.0f, 0.0f}).view({2, 3});
  EXPECT_TRUE(torch::allclose(y, torch::mm(dense, x)));
  const auto g = torch::randn({2, 4});
  y.backward(g);
  EXPECT_TRUE(torch::allclose(x.grad(), torch::mm(dense.t(), g)));
}

TEST(SparseOps, PrefixRowsGradient) {
  const auto x = torch::randn({5, 3}, torch::requires_grad());
  prefix_rows(x, 2).sum().backward();
  EXPECT_TRUE(torch::equal(x.grad().narrow(0, 0, 2), torch::ones({2, 3})));
  EXPECT_TRUE(torch::equal(x.grad().narrow(0, 2, 3), torch::zeros({3, 3})));
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

TEST(PinSage, PlanWithWrongDepthIsAnError) {
  Fixture f;
  PinSage model(PinSageConfig{4, 2, f.schema.table_rows()});
  EXPECT_ANY_THROW(model->forward(f.vg->full_plan(3)));
}

}  // namespace
}  // namespace bcemb
