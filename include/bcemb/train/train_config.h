#pragma once
// Hyper-parameters of embedding-model training (all strategies).
#include <cstdint>
#include <string>
#include <vector>

namespace bcemb {

struct ModelSpec {
  int64_t dim = 256;
  int layers = 2;
};

struct TrainConfig {
  // Architecture per version (the paper: 256/2, 320/2, 384/3, 448/3, 512/3).
  // Versions beyond the list repeat its last entry.
  std::vector<ModelSpec> models = {{256, 2}, {320, 2}, {384, 3}, {448, 3}, {512, 3}};
  int epochs = 30;
  int eval_every = 1;
  // Joint and post-hoc fits pick their best epoch only after this many
  // epochs, so that the alignment has converged (the reference: 50 of 500).
  int warmup_epochs = 10;
  int posthoc_epochs = 0;  // epochs of the post-hoc B fit; 0 = same as epochs
  int batch_size = 2048;
  // What a training step computes (graph/computation_plan.h):
  //   "full"    every node (BatchNorm statistics over the whole graph, as the reference);
  //   "batch"   exactly the nodes the batch's triples depend on (BatchNorm over those);
  //   "sampled" neighbourhoods bounded by `fanout` (BatchNorm over the sampled rows);
  //   "auto"    the cheapest by estimated cost: sampled only where it is at
  //             least 2x cheaper than both exact modes, full unless batch is
  //             2x cheaper (full needs no planning and is the reference's).
  // Evaluation always embeds the full graph exactly, BatchNorm with its running statistics.
  std::string plan = "auto";
  // Neighbours drawn per node for layers L, L-1, ..., 2 (last entry repeats;
  // 0 = all). Layer 1 always averages all neighbours (precomputed inputs).
  std::vector<int> fanout = {10};
  double lr = 1e-3;
  // Adam learning rate of B_k (0 = lr). Faster than the model: B_k then stays
  // near the best map for the current M_k, so the alignment pulls M_k less
  // (measured: better alignment and recall than 1e-3 on MovieLens).
  double transform_lr = 1e-2;
  double weight_decay = 1e-2;
  double lambda = 16.0;
  // Joint fits: lambda grows linearly from lambda/N to lambda over the first
  // N epochs (0 = constant from the start). Alignment at full weight from the
  // first step pins M_k to a linear image of z_{k-1} before it has learned
  // anything of its own; ramping over the warm-up measured a lower alignment
  // error at the same Recall@50 on MovieLens (see README, Strategies).
  int lambda_ramp_epochs = 10;
  // Weight of the distillation term of "-distill" strategies (soft BPR targets
  // from the unconstrained M_k).
  double distill_weight = 1.0;
  uint64_t seed = 0;
  std::string item_id_feature = "auto";  // auto|on|off, see graph/node_inputs.h
  // Recall during training (best-epoch selection) is computed on at most this
  // many validation users, a fixed random subset (0 = all): on large graphs an
  // exact ranking of every item for every user each epoch would cost more than
  // the epoch. The recall a fit reports at its best epoch uses every user.
  int64_t eval_users = 20000;
  std::vector<int> ks = {10, 20, 50, 100};
  // Independent runs (strategies, from-scratch models, consumer tasks) at
  // once, each on an equal share of the threads; 0 = one per thread. Not a
  // training setting: with one thread per job the results are those of a
  // single one-thread job.
  int jobs = 0;
  int primary_k = 50;

  ModelSpec model_for(int version) const;
  void validate() const;  // throws Error naming the bad setting
  double ramp(int epoch) const;       // the lambda ramp's factor in epoch `epoch` (1-based)
  double lambda_at(int epoch) const;  // alignment weight of a joint fit in epoch `epoch`: lambda x ramp
};

}  // namespace bcemb
