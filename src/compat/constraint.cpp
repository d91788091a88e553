#include "bcemb/compat/constraint.h"

#include <algorithm>
#include <cmath>

#include "bcemb/util/error.h"

namespace bcemb {

LagrangeMultiplier::LagrangeMultiplier(double initial, Options options) : o_(options), mu_(initial) {
  if (!(initial > 0) || !(o_.min > 0) || !(o_.max >= o_.min) || !(o_.rate > 0) || o_.smoothing < 0 || o_.smoothing >= 1)
    throw Error("Lagrange multiplier: need initial > 0, 0 < min <= max, rate > 0 and smoothing in [0, 1)");
  mu_ = std::clamp(mu_, o_.min, o_.max);
}

double LagrangeMultiplier::update(double g) {
  if (!std::isfinite(g)) return mu_;
  ema_ = started_ ? o_.smoothing * ema_ + (1 - o_.smoothing) * g : g;
  started_ = true;
  mu_ = std::clamp(mu_ * std::exp(o_.rate * ema_), o_.min, o_.max);
  return mu_;
}

}  // namespace bcemb
