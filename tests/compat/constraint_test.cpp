#include "bcemb/compat/constraint.h"

#include <gtest/gtest.h>

#include "bcemb/util/error.h"

namespace bcemb {
namespace {

TEST(LagrangeMultiplier, GrowsWhileViolatedAndShrinksWhileHeld) {
  LagrangeMultiplier m(1.0, {});
  double last = m.value();
  for (int i = 0; i < 20; ++i) {  // loss 50% over its bound
    const double v = m.update(0.5);
    EXPECT_GT(v, last);
    last = v;
  }
  const double peak = last;
  int shrinking = 0;
  for (int i = 0; i < 60; ++i) {  // now 50% under: the moving average turns, then the multiplier falls
    const double v = m.update(-0.5);
    shrinking += v < last;
    last = v;
  }
  EXPECT_LT(last, peak);
  EXPECT_GT(shrinking, 40);
}

TEST(LagrangeMultiplier, SettlesWhereTheConstraintIsMet) {
  // A hand-made response: the measured loss falls as the multiplier grows,
  // loss = 2 / (1 + mu); bound 0.5, met at mu = 3.
  LagrangeMultiplier m(0.1, {});
  for (int i = 0; i < 3000; ++i) m.update((2.0 / (1.0 + m.value())) / 0.5 - 1.0);
  EXPECT_NEAR(m.value(), 3.0, 0.3);
}

TEST(LagrangeMultiplier, StaysWithinItsBoundsAndRejectsBadOptions) {
  LagrangeMultiplier m(1.0, {0.5, 0.0, 0.1, 10.0});
  for (int i = 0; i < 100; ++i) m.update(1.0);
  EXPECT_DOUBLE_EQ(m.value(), 10.0);
  for (int i = 0; i < 100; ++i) m.update(-1.0);
  EXPECT_DOUBLE_EQ(m.value(), 0.1);
  EXPECT_THROW(LagrangeMultiplier(0.0, {}), Error);
  EXPECT_THROW(LagrangeMultiplier(1.0, {0.1, 1.0, 0.1, 1.0}), Error);  // smoothing must be < 1
}

}  // namespace
}  // namespace bcemb
