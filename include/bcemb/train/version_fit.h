#pragma once
// The one training loop of bcemb. Every strategy's version k is a VersionFit
// configured by what to train:
//   - the model M_k with BPR (+ weight decay on the batch embeddings), or not
//     (post hoc: M_k frozen, its embeddings precomputed);
//   - optionally a backward transform B_k with an alignment loss against
//     z_{k-1} (the frozen previous model on version k's graph), weighted by
//     lambda when trained jointly with M_k.
// Epochs sample BPR triples; the alignment is evaluated on the batch's users,
// positive and negative items (on each distinct node once, weighted by how
// often it occurs: the same loss as over the repeated rows). The best epoch is kept: by validation
// Recall@K when M_k trains (after a warm-up if aligned, except under a recall
// guard; bounded fits by selection_score), else by alignment error.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bcemb/compat/constraint.h"
#include "bcemb/compat/transform.h"
#include "bcemb/dist/collective.h"
#include "bcemb/eval/recall.h"
#include "bcemb/model/module_state.h"
#include "bcemb/model/pinsage.h"
#include "bcemb/train/bpr_sampler.h"
#include "bcemb/train/fit_result.h"
#include "bcemb/train/train_config.h"
#include "bcemb/train/version_graph.h"

namespace bcemb {

struct AlignmentTarget {
  AlignmentLoss loss = AlignmentLoss::None;
  torch::Tensor z_prev;                     // all nodes of version k's graph, d_{k-1} wide
  std::vector<torch::Tensor> frozen_chain;  // B_{k-1}, ..., B_1
  torch::Tensor offset;  // per node, or undefined: an anchored target's constant (compat/alignment.h)
  // How strongly it pulls (compat/strategy.h): a fixed lambda (< 0:
  // TrainConfig::lambda, ramped), or a bound kept by a Lagrange multiplier.
  double lambda = -1;
  double max_alignment = 0;
  double max_intended_loss = 0;  // percent over reference_task_loss
  // The recall guard (compat/strategy.h), when set: the fit's starting model
  // (with VersionFit::set_fallback's transform) is evaluated as epoch 0 and
  // kept unless a later epoch's recall is within this percent of
  // reference_recall and it aligns better. It may be 0 (only a candidate as
  // good as the reference qualifies): a spent recall budget.
  std::optional<double> max_recall_loss;
  // The unconstrained M_k's fit: task loss per epoch and best validation
  // recall (for max_intended_loss and max_recall_loss), and its embeddings (distillation).
  std::vector<double> reference_task_loss;
  double reference_recall = 0;
  torch::Tensor distill_z;
  bool refit = false;  // B_k refit in closed form after every epoch
};

// One mini-batch: distinct target nodes, where each triple's rows are, and
// what a step computes for it. Triples are laid out as [users; positives;
// negatives], size() rows each.
struct Batch {
  std::vector<int32_t> targets;  // distinct global node ids, the plan's targets
  torch::Tensor rows;            // 3 * size(): row of each entry among the targets
  torch::Tensor nodes;           // 3 * size(): global node id of each entry
  std::shared_ptr<const ComputationPlan> plan;  // null: the full graph (TrainConfig::plan "full")
  torch::Tensor target_nodes;   // the targets' global node ids (as `targets`)
  torch::Tensor target_count;   // float: how many of the 3 * size() entries each target is
  int64_t target_users = 0;     // the targets that are users: the first ones
  // Data parallel: this rank's share of the global batch's triples, so that
  // the ranks' weighted losses sum to the global batch's mean loss.
  double weight = 1.0;
  int64_t size() const { return rows.size(0) / 3; }
};

class VersionFit {
 public:
  // model: trained unless `frozen_z` is given (post hoc). transform: may be empty.
  VersionFit(const VersionGraph& vg, PinSage model, BackwardTransform transform, const AlignmentTarget* align,
             const TrainConfig& config, uint64_t seed, std::optional<torch::Tensor> frozen_z = std::nullopt);

  // Triples [begin, end) with their computation plan. Runs on a worker thread
  // for batch i+1 while step i runs; calls must not overlap each other. In
  // a data-parallel job (dist::current()) every rank samples the same
  // triples and takes its own contiguous share of [begin, end).
  Batch make_batch(const BprTriples& t, size_t begin, size_t end);
  double step(const Batch& batch);  // one optimiser step; returns the batch loss
  // full|batch|sampled|historical, once the first batch is made
  const std::string& plan_kind() const { return plan_kind_; }
  CurvePoint evaluate(int epoch);   // eval-mode metrics on the whole graph
  // epochs: training epochs; label: progress prefix on stderr.
  FitResult run(int epochs, const std::string& label);
  // The recall guard's fallback (AlignmentTarget::max_recall_loss): run()
  // evaluates the starting model with this transform (shaped as the fit's)
  // as epoch 0; without one, with the fit's own starting transform.
  void set_fallback(BackwardTransform fallback) { fallback_ = std::move(fallback); }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }

 private:
  bool trains_model() const { return !frozen_z_.has_value(); }
  CurvePoint evaluate(int epoch, BackwardTransform& transform);
  std::string choose_plan(const std::vector<int32_t>& targets, int layers);
  void refresh_history();  // every node's layer outputs, BatchNorm over the whole graph
  // Data parallel: gradients (and `values`, weighted losses) summed over
  // ranks in one allreduce before the optimiser step.
  void reduce_gradients(std::vector<double>& values);
  const VersionGraph& vg_;
  PinSage model_;
  BackwardTransform transform_;
  BackwardTransform fallback_{nullptr};
  const AlignmentTarget* align_;
  const TrainConfig& config_;
  std::optional<torch::Tensor> frozen_z_;
  BprSampler sampler_;
  BprTriples triples_;  // the epoch's, refilled in place
  PlanBuilder planner_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  dist::Collective* dist_ = nullptr;  // the data-parallel job, if any
  std::vector<std::pair<int32_t, int32_t>> eval_val_;  // per-epoch validation pairs (TrainConfig::eval_users)
  std::vector<int32_t> slot_;
  std::vector<uint32_t> stamp_;
  uint32_t batch_no_ = 0;
  double lambda_ = 0;  // the current alignment weight
  std::optional<LagrangeMultiplier> multiplier_;  // bounded fits (AlignmentTarget::max_*)
  double lambda_sum_ = 0;  // over the epoch's steps, for the log
  int lambda_steps_ = 0;
  double task_loss_sum_ = 0;
  bool aligned() const { return align_ != nullptr && align_->loss != AlignmentLoss::None; }
  // Higher is better: how an evaluated epoch ranks for keeping (see run()).
  double selection_score(const CurvePoint& p) const;
  void update_lambda(double alignment, double task);  // one multiplier step
  uint64_t seed_;
  std::string plan_kind_;  // resolved from TrainConfig::plan on the first batch
  int epoch_ = 0;          // the epoch run() is in
  int64_t steps_ = 0;
  int64_t step_bytes_ = 0;  // the last step's allreduce buffer
  // Historical plans: every node's ReLU'd outputs of layers 1..L-1, as of
  // the epoch's start (history_epoch_) or the node's last batch.
  std::vector<torch::Tensor> history_;
  int history_epoch_ = -1;
};

// M(G) for every node of the graph, eval mode, no gradient: num_nodes x dim
// (layer by layer in chunks: PinSageImpl::infer; sharded over the ranks of a
// data-parallel job, every rank gets every row).
torch::Tensor embed_all(PinSage& model, const VersionGraph& vg);

// Recall@K of a graph's embeddings (users, then items) on validation pairs,
// training positives excluded; in a data-parallel job each rank ranks the
// items for its share of the users and every rank gets the total.
RecallResult recall_of(const torch::Tensor& z, const VersionGraph& vg,
                       const std::vector<std::pair<int32_t, int32_t>>& val, const std::vector<int>& ks);

}  // namespace bcemb
