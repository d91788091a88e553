#pragma once
// An update strategy is a small description, not a training loop: how M_k
// starts, which backward transform B_k maps z_k to version k-1, which
// alignment loss trains it, whether B_k is learned jointly with M_k or
// fitted post hoc with M_k frozen, and how strongly the alignment pulls. One
// training loop (train/) runs them all.
//
// Names follow the paper and are parsed like short factory strings:
//   fix-m0, finetune-m0, no-bc, bc-aligner (= joint-lin-mloss, the paper's best),
//   <fitting>-<transform>-<loss>[-<option>...][@<setting>=<value>...]
//     fitting    joint | posthoc
//     transform  lin (learned d_{k-1} x d_k) | ortho ([R 0], R orthogonal: the first
//                d_{k-1} coordinates aligned, the rest free for the task) | notrans
//     loss       sloss (single-step) | mloss (multi-step)
//     options    warm     joint: M_k starts from the unconstrained M_k (no-bc's),
//                         B_k from its closed-form fit
//                distill  joint: + the unconstrained M_k's BPR pair probabilities
//                         as soft targets (rotation-invariant distillation)
//                refit    B_k refit in closed form on every node after each epoch
//                         (least squares; Procrustes for ortho)
//                gauge    the version's table is reparametrised per node type,
//                         users z G_k and items z G_k^-T (G_k learned with B_k):
//                         every user-item score, so the intended task, is
//                         unchanged, and B_k acts on users and items as two maps
//                anchor   mloss: the version-0 term aims at M_0 on version k's graph
//                         (what fix-m0 serves) rather than through z_{k-1}, so
//                         alignment errors do not accumulate along the chain
//     settings   lambda=X             this strategy's alignment weight
//                max-alignment=A      lambda follows a Lagrange multiplier keeping
//                                     the alignment loss <= A (compat/constraint.h)
//                max-intended-loss=P  ... keeping the task loss within P% of the
//                                     unconstrained M_k's at the same epoch
//                max-recall-loss=P    warm: B_k is also fitted post hoc to the
//                                     unconstrained M_k; that pair counts as epoch 0,
//                                     and the kept epoch is the most aligned one whose
//                                     validation recall is within P% of that model's
//                                     (lambda stays fixed): never below post hoc on
//                                     alignment, nor P% below no-bc on recall
//                max-mean-recall-loss=P  warm: the same guard on the mean over
//                                     versions: version k may lose P k% less what
//                                     versions 1..k-1 lost
// e.g. joint-ortho-mloss-warm, joint-lin-mloss-distill@max-intended-loss=1, posthoc-lin-sloss-gauge,
// joint-lin-mloss-gauge-anchor.
#include <string>
#include <vector>

namespace bcemb {

enum class ModelInit {
  Reuse,          // no retraining: M_0 is applied to every newer graph (fix-m0)
  Previous,       // M_0's architecture, weights from version k-1 (finetune-m0)
  Scratch,        // version k's architecture, fresh initialisation
  Unconstrained,  // version k's architecture, weights of the unconstrained (no-bc) M_k ("warm")
};

enum class TransformKind {
  Identity,    // same space: consumers read z_k directly (fix-m0, finetune-m0)
  Truncate,    // first d_{k-1} dimensions (no-bc, joint-notrans)
  Linear,      // learned bias-free d_{k-1} x d_k matrix
  Orthogonal,  // [R 0] with R an orthogonal d_{k-1} x d_{k-1} matrix
};

enum class AlignmentLoss { None, SingleStep, MultiStep };
enum class Fitting { None, Joint, PostHoc };

struct StrategySpec {
  std::string name;
  ModelInit init = ModelInit::Scratch;
  TransformKind transform = TransformKind::Truncate;
  AlignmentLoss loss = AlignmentLoss::None;
  Fitting fitting = Fitting::None;
  bool distill = false;
  bool refit = false;
  bool gauge = false;             // the table reparametrised per node type (users G, items G^-T)
  bool anchor = false;            // multi-step's version-0 term against M_0(G_k) (compat/alignment.h)
  double lambda = -1;             // < 0: TrainConfig::lambda
  double max_alignment = 0;       // > 0: the alignment-loss bound
  double max_intended_loss = 0;   // > 0: the task-loss bound, percent over the unconstrained model's
  double max_recall_loss = 0;     // > 0: the recall guard, percent under the unconstrained model's
  // > 0: the recall budget, the guard on the mean over versions 1..K-1 of
  // that percent (what the experiment reports as intended degradation),
  // spent version by version: version k may lose P k minus what 1..k-1 lost.
  double max_mean_recall_loss = 0;

  bool uses_m0_architecture() const { return init == ModelInit::Reuse || init == ModelInit::Previous; }
  // M_k trained from scratch with BPR alone: the same model as no-bc's, so it can be shared.
  bool model_is_nobc() const { return init == ModelInit::Scratch && fitting != Fitting::Joint; }
  // Needs the unconstrained M_k of the same version (warm start, distillation, task-loss bound).
  bool needs_unconstrained() const {
    return init == ModelInit::Unconstrained || distill || max_intended_loss > 0 || guarded();
  }
  // A recall guard (per version or on the mean): the fit keeps a post-hoc fallback as epoch 0.
  bool guarded() const { return max_recall_loss > 0 || max_mean_recall_loss > 0; }
  bool constrained() const { return max_alignment > 0 || max_intended_loss > 0 || guarded(); }
  std::string describe() const;
};

// Throws Error naming the bad part and listing the grammar.
StrategySpec parse_strategy(const std::string& name);
// The eight strategies of the paper, in the paper's order.
const std::vector<std::string>& paper_strategies();
// The grammar, for error messages and --help.
const std::string& strategy_grammar();

}  // namespace bcemb
