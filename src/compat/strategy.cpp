#include "bcemb/compat/strategy.h"

#include <sstream>

#include "bcemb/data/loaders.h"
#include "bcemb/util/error.h"

namespace bcemb {

const std::vector<std::string>& paper_strategies() {
  static const std::vector<std::string> names = {"fix-m0",         "finetune-m0",         "no-bc",
                                                 "posthoc-lin-sloss", "posthoc-lin-mloss", "joint-notrans-sloss",
                                                 "joint-lin-sloss", "joint-lin-mloss"};
  return names;
}

const std::string& strategy_grammar() {
  static const std::string g =
      "fix-m0 | finetune-m0 | no-bc | bc-aligner | "
      "<joint|posthoc>-<lin|ortho|notrans>-<sloss|mloss>[-warm][-distill][-refit][-gauge][-anchor]"
      "[@lambda=X][@max-alignment=A][@max-intended-loss=P][@max-recall-loss=P][@max-mean-recall-loss=P]";
  return g;
}

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  std::string p;
  while (std::getline(ss, p, sep)) parts.push_back(p);
  if (!s.empty() && s.back() == sep) parts.emplace_back();
  return parts;
}

[[noreturn]] void unknown(const std::string& name, const std::string& why) {
  throw Error("unknown strategy '" + name + "'" + (why.empty() ? "" : " (" + why + ")") +
              "; strategies are: " + strategy_grammar());
}

double positive_setting(const std::string& raw, const std::string& key, const std::string& value) {
  float v;
  if (!parse_float(value, v) || !(v > 0)) unknown(raw, key + " must be a positive number, got '" + value + "'");
  return static_cast<double>(v);
}

}  // namespace

StrategySpec parse_strategy(const std::string& raw) {
  const auto at = split(raw, '@');
  const std::string base = at.empty() || at[0] == "bc-aligner" ? "joint-lin-mloss" : at[0];
  StrategySpec s;
  s.name = base;
  for (size_t i = 1; i < at.size(); ++i) {
    const auto eq = at[i].find('=');
    const std::string key = at[i].substr(0, eq), value = eq == std::string::npos ? "" : at[i].substr(eq + 1);
    if (key == "lambda") {
      float v;
      if (!parse_float(value, v) || v < 0) unknown(raw, "lambda must be a number >= 0, got '" + value + "'");
      s.lambda = v;
    } else if (key == "max-alignment") {
      s.max_alignment = positive_setting(raw, key, value);
    } else if (key == "max-intended-loss") {
      s.max_intended_loss = positive_setting(raw, key, value);
    } else if (key == "max-recall-loss") {
      s.max_recall_loss = positive_setting(raw, key, value);
    } else if (key == "max-mean-recall-loss") {
      s.max_mean_recall_loss = positive_setting(raw, key, value);
    } else {
      unknown(raw, "unknown setting '" + key +
                       "' (lambda, max-alignment, max-intended-loss, max-recall-loss, max-mean-recall-loss)");
    }
    s.name += "@" + at[i];
  }
  if (raw.empty()) unknown(raw, "empty name");
  if (base == "fix-m0" || base == "finetune-m0" || base == "no-bc") {
    if (at.size() > 1) unknown(raw, base + " has no alignment to set");
    if (base == "fix-m0") s.init = ModelInit::Reuse;
    if (base == "finetune-m0") s.init = ModelInit::Previous;
    if (base != "no-bc") s.transform = TransformKind::Identity;
    return s;
  }
  const auto parts = split(base, '-');
  if (parts.size() < 3) unknown(raw, "");
  if (parts[0] == "joint") s.fitting = Fitting::Joint;
  else if (parts[0] == "posthoc") s.fitting = Fitting::PostHoc;
  else unknown(raw, "fitting must be joint or posthoc");
  if (parts[1] == "lin") s.transform = TransformKind::Linear;
  else if (parts[1] == "ortho") s.transform = TransformKind::Orthogonal;
  else if (parts[1] == "notrans") s.transform = TransformKind::Truncate;
  else unknown(raw, "transform must be lin, ortho or notrans");
  if (parts[2] == "sloss") s.loss = AlignmentLoss::SingleStep;
  else if (parts[2] == "mloss") s.loss = AlignmentLoss::MultiStep;
  else unknown(raw, "loss must be sloss or mloss");
  for (size_t i = 3; i < parts.size(); ++i) {
    if (parts[i] == "warm") s.init = ModelInit::Unconstrained;
    else if (parts[i] == "distill") s.distill = true;
    else if (parts[i] == "refit") s.refit = true;
    else if (parts[i] == "gauge") s.gauge = true;
    else if (parts[i] == "anchor") s.anchor = true;
    else unknown(raw, "option '" + parts[i] + "' must be warm, distill, refit, gauge or anchor");
  }
  const bool learnable = s.transform != TransformKind::Truncate;
  if (s.fitting == Fitting::PostHoc && !learnable) unknown(raw, "a post-hoc fit needs a learnable transform");
  if (s.fitting == Fitting::PostHoc && (s.init == ModelInit::Unconstrained || s.distill || s.constrained() || s.lambda >= 0))
    unknown(raw, "warm, distill, lambda and the bounds apply to joint fits (post hoc, M_k is no-bc's)");
  if (s.refit && !learnable) unknown(raw, "refit needs a learnable transform (lin or ortho)");
  if (s.gauge && !learnable) unknown(raw, "gauge needs a learnable transform (lin or ortho)");
  if (s.anchor && s.loss != AlignmentLoss::MultiStep)
    unknown(raw, "anchor re-aims the version-0 term of the multi-step loss: it needs mloss");
  if ((s.max_alignment > 0) + (s.max_intended_loss > 0) + (s.max_recall_loss > 0) + (s.max_mean_recall_loss > 0) > 1)
    unknown(raw, "give one bound: max-alignment, max-intended-loss, max-recall-loss or max-mean-recall-loss");
  if (s.guarded() && s.init != ModelInit::Unconstrained)
    unknown(raw, "the recall guards keep the warm start as a candidate: they need warm");
  return s;
}

std::string StrategySpec::describe() const {
  const char* init_s[] = {"reuse M0", "init from M_{k-1}", "from scratch", "from the unconstrained M_k"};
  const char* tr_s[] = {"identity", "truncation", "linear", "orthogonal [R 0]"};
  const char* loss_s[] = {"none", "single-step", "multi-step"};
  const char* fit_s[] = {"none", "joint", "post-hoc"};
  std::ostringstream ss;
  ss << name << ": M_k " << init_s[static_cast<int>(init)] << ", B_k " << tr_s[static_cast<int>(transform)]
     << ", alignment " << loss_s[static_cast<int>(loss)] << ", fitting " << fit_s[static_cast<int>(fitting)];
  if (distill) ss << ", distilled from the unconstrained M_k";
  if (refit) ss << ", B_k refit in closed form each epoch";
  if (gauge) ss << ", table reparametrised per node type (users G_k, items G_k^-T; scores unchanged)";
  if (anchor) ss << ", version-0 term anchored to M_0 on version k's graph";
  if (lambda >= 0) ss << ", lambda " << lambda;
  if (max_alignment > 0) ss << ", lambda keeps the alignment loss <= " << max_alignment;
  if (max_intended_loss > 0) ss << ", lambda keeps the task loss within " << max_intended_loss << "% of the unconstrained";
  if (max_recall_loss > 0)
    ss << ", keeps the most aligned of the post-hoc fit and the epochs within " << max_recall_loss
       << "% of the unconstrained model's recall";
  if (max_mean_recall_loss > 0)
    ss << ", keeps the most aligned of the post-hoc fit and the epochs that keep the mean recall loss over versions"
       << " within " << max_mean_recall_loss << "% of the unconstrained models' (spent version by version)";
  return ss.str();
}

}  // namespace bcemb
