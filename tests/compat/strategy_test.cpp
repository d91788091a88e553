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

TEST(Strategy, UnknownNamesListTheKnownOnes) {
  try {
    parse_strategy("joint-mlp-sloss");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("joint-lin-mloss"), std::string::npos);
  }
  EXPECT_THROW(parse_strategy("posthoc-notrans-sloss"), Error);
  EXPECT_THROW(parse_strategy(""), Error);
}

}  // namespace
}  // namespace bcemb
