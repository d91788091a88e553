#pragma once
// An update strategy is a small description, not a training loop: how M_k
// starts, which backward transform B_k maps z_k to version k-1, which
// alignment loss trains it, and whether B_k is learned jointly with M_k or
// fitted post hoc with M_k frozen. One training loop (train/) runs them all.
//
// Names follow the paper and are parsed like short factory strings:
//   fix-m0, finetune-m0, no-bc,
//   <fitting>-<transform>-<loss>  with fitting in {joint, posthoc},
//                                 transform in {lin, notrans}, loss in {sloss, mloss}
//   bc-aligner = joint-lin-mloss (the paper's best).
#include <string>
#include <vector>

namespace bcemb {

enum class ModelInit {
  Reuse,     // no retraining: M_0 is applied to every newer graph (fix-m0)
  Previous,  // M_0's architecture, weights from version k-1 (finetune-m0)
  Scratch,   // version k's architecture, fresh initialisation
};

enum class TransformKind {
  Identity,  // same space: consumers read z_k directly (fix-m0, finetune-m0)
  Truncate,  // first d_{k-1} dimensions (no-bc, joint-notrans)
  Linear,    // learned bias-free d_{k-1} x d_k matrix
};

enum class AlignmentLoss { None, SingleStep, MultiStep };
enum class Fitting { None, Joint, PostHoc };

struct StrategySpec {
  std::string name;
  ModelInit init = ModelInit::Scratch;
  TransformKind transform = TransformKind::Truncate;
  AlignmentLoss loss = AlignmentLoss::None;
  Fitting fitting = Fitting::None;

  bool uses_m0_architecture() const { return init != ModelInit::Scratch; }
  // M_k trained from scratch with BPR alone: the same model as no-bc's, so it can be shared.
  bool model_is_nobc() const { return init == ModelInit::Scratch && fitting != Fitting::Joint; }
  std::string describe() const;
};

// Throws Error listing the known names on an unknown one.
StrategySpec parse_strategy(const std::string& name);
// The eight strategies of the paper, in the paper's order.
const std::vector<std::string>& paper_strategies();

}  // namespace bcemb
