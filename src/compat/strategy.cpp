#include "bcemb/compat/strategy.h"

#include <sstream>

#include "bcemb/util/error.h"

namespace bcemb {

const std::vector<std::string>& paper_strategies() {
  static const std::vector<std::string> names = {"fix-m0",         "finetune-m0",         "no-bc",
                                                 "posthoc-lin-sloss", "posthoc-lin-mloss", "joint-notrans-sloss",
                                                 "joint-lin-sloss", "joint-lin-mloss"};
  return names;
}

namespace {

std::vector<std::string> split_dash(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  std::string p;
  while (std::getline(ss, p, '-')) parts.push_back(p);
  return parts;
}

[[noreturn]] void unknown(const std::string& name, const std::string& why) {
  std::string known;
  for (const auto& n : paper_strategies()) known += " " + n;
  throw Error("unknown strategy '" + name + "'" + (why.empty() ? "" : " (" + why + ")") + "; known:" + known +
              " bc-aligner");
}

}  // namespace

StrategySpec parse_strategy(const std::string& raw) {
  const std::string name = raw == "bc-aligner" ? "joint-lin-mloss" : raw;
  StrategySpec s;
  s.name = name;
  if (name == "fix-m0") {
    s.init = ModelInit::Reuse;
    s.transform = TransformKind::Identity;
    return s;
  }
  if (name == "finetune-m0") {
    s.init = ModelInit::Previous;
    s.transform = TransformKind::Identity;
    return s;
  }
  if (name == "no-bc") return s;
  const auto parts = split_dash(name);
  if (parts.size() != 3) unknown(raw, "");
  if (parts[0] == "joint") s.fitting = Fitting::Joint;
  else if (parts[0] == "posthoc") s.fitting = Fitting::PostHoc;
  else unknown(raw, "fitting must be joint or posthoc");
  if (parts[1] == "lin") s.transform = TransformKind::Linear;
  else if (parts[1] == "notrans") s.transform = TransformKind::Truncate;
  else unknown(raw, "transform must be lin or notrans");
  if (parts[2] == "sloss") s.loss = AlignmentLoss::SingleStep;
  else if (parts[2] == "mloss") s.loss = AlignmentLoss::MultiStep;
  else unknown(raw, "loss must be sloss or mloss");
  if (s.fitting == Fitting::PostHoc && s.transform == TransformKind::Truncate)
    unknown(raw, "a post-hoc fit needs a learnable transform");
  return s;
}

std::string StrategySpec::describe() const {
  const char* init_s[] = {"reuse M0", "init from M_{k-1}", "from scratch"};
  const char* tr_s[] = {"identity", "truncation", "linear"};
  const char* loss_s[] = {"none", "single-step", "multi-step"};
  const char* fit_s[] = {"none", "joint", "post-hoc"};
  std::ostringstream ss;
  ss << name << ": M_k " << init_s[static_cast<int>(init)] << ", B_k " << tr_s[static_cast<int>(transform)]
     << ", alignment " << loss_s[static_cast<int>(loss)] << ", fitting " << fit_s[static_cast<int>(fitting)];
  return ss.str();
}

}  // namespace bcemb
