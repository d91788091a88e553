#include "bcemb/compat/strategy.h"

#include <gtest/gtest.h>

#include "bcemb/util/error.h"

namespace bcemb {
namespace {

TEST(Strategy, PaperStrategiesParseIntoTheirParts) {
  for (const auto& name : paper_strategies()) EXPECT_EQ(parse_strategy(name).name, name);
  const StrategySpec bc = parse_strategy("bc-aligner");
  EXPECT_EQ(bc.name, "joint-lin-mloss");
  EXPECT_EQ(bc.fitting, Fitting::Joint);
  EXPECT_EQ(bc.transform, TransformKind::Linear);
  EXPECT_EQ(bc.loss, AlignmentLoss::MultiStep);
  const StrategySpec notrans = parse_strategy("joint-notrans-sloss");
  EXPECT_EQ(notrans.transform, TransformKind::Truncate);
  EXPECT_FALSE(notrans.model_is_nobc());
  const StrategySpec post = parse_strategy("posthoc-lin-mloss");
  EXPECT_EQ(post.fitting, Fitting::PostHoc);
  EXPECT_TRUE(post.model_is_nobc());
  EXPECT_TRUE(parse_strategy("no-bc").model_is_nobc());
  EXPECT_EQ(parse_strategy("fix-m0").init, ModelInit::Reuse);
  EXPECT_TRUE(parse_strategy("finetune-m0").uses_m0_architecture());
}

TEST(Strategy, MisspeltPartsNameThePartAndListTheGrammar) {
  for (const char* bad : {"joint-mlp-sloss", "joint-lin-mlos", "jiont-lin-mloss", "joint-lin-mloss-warn",
                          "joint-lin-mloss@lamda=2", "joint-lin-mloss@lambda=x", "posthoc-notrans-sloss",
                          "posthoc-lin-sloss-warm", "no-bc@lambda=1", "joint-notrans-sloss-refit",
                          "joint-lin-mloss@max-alignment=0.5@max-intended-loss=1", "joint-lin", "",
                          "joint-notrans-sloss-gauge", "posthoc-lin-sloss-gage", "joint-lin-sloss-anchor",
                          "posthoc-lin-mloss-ancor", "joint-lin-mloss@max-recall-loss=1",
                          "joint-lin-mloss-warm@max-recall-loss=1@max-intended-loss=1",
                          "joint-lin-mloss-warm@max-recall-loss=0", "joint-lin-mloss@max-mean-recall-loss=1",
                          "joint-lin-mloss-warm@max-recall-loss=1@max-mean-recall-loss=1",
                          "joint-lin-mloss-warm@max-mean-recall-loss=-1"}) {
    try {
      parse_strategy(bad);
      FAIL() << bad << " parsed";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(strategy_grammar()), std::string::npos) << e.what();
    }
  }
  try {
    parse_strategy("joint-lin-mloss-warn");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("option 'warn'"), std::string::npos) << e.what();
  }
}

TEST(Strategy, NewPartsParse) {
  const StrategySpec ortho = parse_strategy("joint-ortho-mloss-warm-refit");
  EXPECT_EQ(ortho.transform, TransformKind::Orthogonal);
  EXPECT_EQ(ortho.init, ModelInit::Unconstrained);
  EXPECT_TRUE(ortho.refit);
  EXPECT_FALSE(ortho.distill);
  EXPECT_TRUE(ortho.needs_unconstrained());
  EXPECT_FALSE(ortho.uses_m0_architecture());
  EXPECT_FALSE(ortho.model_is_nobc());
  const StrategySpec d = parse_strategy("joint-lin-mloss-distill@max-intended-loss=1");
  EXPECT_EQ(d.name, "joint-lin-mloss-distill@max-intended-loss=1");
  EXPECT_TRUE(d.distill);
  EXPECT_DOUBLE_EQ(d.max_intended_loss, 1.0);
  EXPECT_TRUE(d.constrained());
  const StrategySpec l = parse_strategy("bc-aligner@lambda=4");
  EXPECT_EQ(l.name, "joint-lin-mloss@lambda=4");
  EXPECT_DOUBLE_EQ(l.lambda, 4.0);
  EXPECT_FALSE(l.needs_unconstrained());
  EXPECT_DOUBLE_EQ(parse_strategy("joint-lin-sloss@max-alignment=0.25").max_alignment, 0.25);
  const StrategySpec p = parse_strategy("posthoc-ortho-sloss");
  EXPECT_TRUE(p.model_is_nobc());
  EXPECT_EQ(p.fitting, Fitting::PostHoc);
  EXPECT_FALSE(p.gauge);
  const StrategySpec g = parse_strategy("posthoc-lin-mloss-gauge");
  EXPECT_TRUE(g.gauge);
  EXPECT_TRUE(g.model_is_nobc());  // the gauge leaves no-bc's model as it is
  EXPECT_TRUE(parse_strategy("joint-lin-mloss-warm-gauge@max-intended-loss=1").gauge);
  EXPECT_FALSE(g.anchor);
  const StrategySpec a = parse_strategy("joint-lin-mloss-gauge-anchor");
  EXPECT_TRUE(a.anchor && a.gauge);
  EXPECT_EQ(a.loss, AlignmentLoss::MultiStep);
  EXPECT_TRUE(parse_strategy("posthoc-lin-mloss-anchor").model_is_nobc());
  const StrategySpec guard = parse_strategy("joint-lin-mloss-warm-gauge-anchor@max-recall-loss=1");
  EXPECT_DOUBLE_EQ(guard.max_recall_loss, 1.0);
  EXPECT_TRUE(guard.needs_unconstrained());
  EXPECT_TRUE(guard.guarded());
  const StrategySpec budget = parse_strategy("joint-lin-mloss-warm-gauge-anchor@max-mean-recall-loss=2");
  EXPECT_DOUBLE_EQ(budget.max_mean_recall_loss, 2.0);
  EXPECT_DOUBLE_EQ(budget.max_recall_loss, 0.0);
  EXPECT_TRUE(budget.guarded() && budget.constrained() && budget.needs_unconstrained());
  EXPECT_FALSE(parse_strategy("joint-lin-mloss-warm-gauge-anchor").guarded());
  try {
    parse_strategy("joint-lin-mloss@max-recall-loss=1");
    FAIL() << "a guard without warm parsed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("need warm"), std::string::npos) << e.what();
  }
  try {
    parse_strategy("posthoc-lin-mloss@max-recall-loss=1");
    FAIL() << "a post-hoc guard parsed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("apply to joint fits"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bcemb
