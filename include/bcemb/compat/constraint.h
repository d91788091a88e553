#pragma once
// Constrained alignment: instead of a fixed weight lambda, a strategy states
// a bound and the weight follows a Lagrange multiplier (GECO: Rezende &
// Viola, "Taming VAEs", 2018). For a constraint g <= 0 the multiplier is
// updated multiplicatively from a moving average of g,
//     mu <- clamp(mu * exp(rate * ema(g)), min, max),
// so it grows while the constraint is violated and shrinks while it holds.
//   --max-alignment A:      g = alignment / A - 1, and lambda = mu;
//   --max-intended-loss P:  g = task loss / ((1 + P/100) x the unconstrained
//                           model's task loss) - 1, and lambda = 1 / mu (a
//                           violated task bound lowers the alignment weight).
// Torch-free, so the update is tested on hand-made losses.
namespace bcemb {

class LagrangeMultiplier {
 public:
  struct Options {
    double rate = 0.05;       // per update, on the relative violation
    double smoothing = 0.9;   // moving-average weight of the past
    double min = 1e-3, max = 1e4;
  };
  LagrangeMultiplier(double initial, Options options);
  // g: the constraint's relative violation (> 0 violated). Returns the new multiplier.
  double update(double g);
  double value() const { return mu_; }

 private:
  Options o_;
  double mu_;
  double ema_ = 0;
  bool started_ = false;
};

}  // namespace bcemb
