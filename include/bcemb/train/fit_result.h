#pragma once
// What one fit of one version reports (torch-free, for the CLI and reports).
#include <string>
#include <vector>

#include "bcemb/eval/recall.h"

namespace bcemb {

struct CurvePoint {
  int epoch = 0;
  double loss = 0;
  double recall = -1;     // primary K, -1 when not evaluated (post hoc)
  double alignment = -1;  // full-graph alignment loss, -1 without alignment
  double train_seconds = 0;
  double lambda = -1;     // mean alignment weight over the epoch's steps, -1 without alignment
};

struct FitResult {
  int best_epoch = 0;
  RecallResult recall;       // at the best epoch (empty for post hoc)
  double alignment = -1;     // at the best epoch
  std::vector<CurvePoint> curve;
  double train_seconds = 0;  // optimisation only, evaluation excluded
  std::string plan;          // what the steps computed: full|batch|sampled|historical ("" when not trained)
  std::vector<double> task_loss;  // every epoch: mean BPR + weight-decay loss (no alignment), when M_k trains
  int64_t steps = 0;              // optimiser steps over all epochs
  int64_t step_allreduce_bytes = 0;  // data parallel: bytes each rank allreduces per step (0 in one process)
};

}  // namespace bcemb
