#include <gtest/gtest.h>

#include <map>

#include "bcemb/train/version_fit.h"
#include "bcemb/util/error.h"
#include "synthetic_version.h"

namespace bcemb {
namespace {

// Expected Recall@K of a uniformly random ranking of each user's candidate items.
double random_recall(const VersionGraph& vg, int k) {
  std::map<int32_t, int> seen;
  for (const auto& [u, i] : vg.val) seen[u] = 1;
  double sum = 0;
  for (const auto& [u, one] : seen) {
    const double candidates = vg.graph.num_items() - vg.graph.num_positives(u);
    sum += std::min(1.0, k / candidates);
  }
  return sum / static_cast<double>(seen.size());
}

class TrainingPlans : public ::testing::TestWithParam<const char*> {};

// Every kind of step learns the planted structure.
TEST_P(TrainingPlans, SyntheticReachesThreeTimesRandomRecall) {
  const test::SyntheticVersion sv(test::synthetic_size(800, 1000, 30000), 0.6, 0.8);
  torch::manual_seed(1);
  PinSage model(PinSageConfig{32, 2, sv.schema.table_rows()});
  TrainConfig cfg;
  cfg.epochs = 12;
  cfg.eval_every = 4;
  cfg.plan = GetParam();
  cfg.fanout = {5};
  VersionFit fit(*sv.vg, model, nullptr, nullptr, cfg, 5);
  const FitResult r = fit.run(cfg.epochs, "test");
  EXPECT_EQ(r.plan, GetParam());
  const double random = random_recall(*sv.vg, 50);
  EXPECT_GT(r.recall.at(50), 3 * random) << "random ranking gives " << random;
  EXPECT_GT(r.best_epoch, 0);
  EXPECT_EQ(r.curve.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Kinds, TrainingPlans, ::testing::Values("full", "batch", "sampled", "historical"));

// With lambda = 0, a joint step moves M_k exactly as a no-bc step from the same state and batch.
TEST(Training, JointStepWithLambdaZeroEqualsNoBcStep) {
  const test::SyntheticVersion sv(test::synthetic_size(200, 150, 4000), 0.6, 0.8);
  torch::manual_seed(2);
  PinSage a(PinSageConfig{16, 2, sv.schema.table_rows()});
  PinSage b(PinSageConfig{16, 2, sv.schema.table_rows()});
  restore(*b, snapshot(*a));
  TrainConfig cfg;
  cfg.lambda = 0.0;
  BackwardTransform transform(TransformKind::Linear, 12, 16);
  AlignmentTarget target;
  target.loss = AlignmentLoss::MultiStep;
  target.z_prev = torch::randn({sv.vg->graph.num_nodes(), 12});
  target.frozen_chain = {torch::randn({8, 12})};
  VersionFit nobc(*sv.vg, a, nullptr, nullptr, cfg, 9);
  VersionFit joint(*sv.vg, b, transform, &target, cfg, 9);
  BprSampler sampler(sv.vg->graph, 3);
  const BprTriples t = sampler.sample_epoch();
  const Batch batch = nobc.make_batch(t, 0, std::min<size_t>(t.size(), 512));
  const auto before = snapshot(*a);
  nobc.step(batch);
  joint.step(batch);
  const auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool moved = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i << " differs";
    moved = moved || !torch::equal(pa[i], before[i]);
  }
  EXPECT_TRUE(moved);
  const auto ba = a->buffers(), bb = b->buffers();
  for (size_t i = 0; i < ba.size(); ++i) EXPECT_TRUE(torch::equal(ba[i], bb[i]));
}

TEST(Training, LambdaRampsLinearlyOverTheWarmUpThenStays) {
  TrainConfig cfg;
  cfg.lambda = 16.0;
  cfg.lambda_ramp_epochs = 4;
  EXPECT_DOUBLE_EQ(cfg.lambda_at(1), 4.0);
  EXPECT_DOUBLE_EQ(cfg.lambda_at(2), 8.0);
  EXPECT_DOUBLE_EQ(cfg.lambda_at(4), 16.0);
  EXPECT_DOUBLE_EQ(cfg.lambda_at(40), 16.0);
  cfg.lambda_ramp_epochs = 0;
  EXPECT_DOUBLE_EQ(cfg.lambda_at(1), 16.0);
  cfg.lambda_ramp_epochs = -1;
  EXPECT_THROW(cfg.validate(), Error);
}

TEST(Training, JobsMustBeZeroOrPositive) {
  TrainConfig cfg;
  cfg.jobs = 0;
  EXPECT_NO_THROW(cfg.validate());
  cfg.jobs = 3;
  EXPECT_NO_THROW(cfg.validate());
  cfg.jobs = -1;
  try {
    cfg.validate();
    FAIL() << "--jobs -1 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--jobs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bcemb
