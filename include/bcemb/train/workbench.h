#pragma once
// Trains strategies version by version on one dataset and writes run
// directories. Shared work is done once: version 0 (the same for every
// strategy), M_0 applied to every version's graph (fix-m0 and the alignment
// error reference), and the from-scratch BPR models that no-bc and the
// post-hoc strategies have in common. With a cache folder those models are
// also kept on disk, and a complete run directory is reused, not retrained.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bcemb/compat/strategy.h"
#include "bcemb/data/dataset.h"
#include "bcemb/graph/node_inputs.h"
#include "bcemb/train/run_dir.h"
#include "bcemb/train/train_config.h"
#include "bcemb/versions/time_slices.h"

namespace bcemb {

class Workbench {
 public:
  // cache_dir: where shared models are kept between invocations ("" = memory only).
  Workbench(const Dataset& ds, const SliceSpec& slices, const TrainConfig& config, std::string cache_dir = "");
  ~Workbench();
  Workbench(const Workbench&) = delete;
  Workbench& operator=(const Workbench&) = delete;

  const std::vector<Version>& versions() const;
  const InputSchema& schema() const;
  // Identifies data + slices + config; a run directory made under another one is not reused.
  const std::string& fingerprint() const;

  // Trains every version of a strategy and writes run_dir; a complete run
  // directory with the same fingerprint is returned as is unless force.
  StrategyResult run(const StrategySpec& strategy, const std::string& run_dir, bool force = false);

  // run() for each strategy into the matching run_dirs entry, up to
  // TrainConfig::jobs at a time (shared models are trained first, side by
  // side); done(i) is called as strategy i completes, one call at a time.
  // Results are in the strategies' order and do not depend on the jobs
  // setting for a fixed number of threads per job. A side-by-side worker for
  // which no run is left calls idle() until it returns false: the caller's
  // own work (the experiment's consumer trainings) fills the schedule's tail.
  std::vector<StrategyResult> run_all(const std::vector<StrategySpec>& strategies,
                                      const std::vector<std::string>& run_dirs, bool force,
                                      const std::function<void(size_t)>& done = nullptr,
                                      const std::function<bool()>& idle = nullptr);

  // Trains version k's model from scratch with BPR alone and reports the fit
  // (the speed benchmark's unit of work); nothing is written or cached.
  FitResult train_scratch(int version);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bcemb
