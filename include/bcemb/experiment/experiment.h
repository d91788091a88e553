#pragma once
// The paper's full comparison: every strategy trained on the same data
// (intended task: Recall@K), consumer models trained once on version-0
// embeddings for every unintended task and evaluated, never retrained, on each
// strategy's version-0-compatible embeddings of later versions.
//
// Output folder:
//   runs/<strategy>/      run directories (train/run_dir.h); reused when complete
//   cache/                shared models (version 0, from-scratch models)
//   consumers/<task>/     consumer checkpoints (seed<s>.pt) and consumer.json; reused
//   table.md, table.csv   per strategy: intended degradation vs no-bc (%), unintended
//                         degradation vs fix-m0 (%), their sum, alignment error;
//                         table.md also has per-task detail
//   results.json          everything above plus per-task, per-version ROC-AUC (mean, std over seeds)
//   recall.*, unintended_auc.*, alignment_error.*   plots (.png, .svg, with .dat/.gp)
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bcemb/data/dataset.h"
#include "bcemb/io/npy.h"
#include "bcemb/train/train_config.h"
#include "bcemb/versions/time_slices.h"

namespace bcemb {

struct ExperimentConfig {
  std::vector<std::string> strategies;  // empty: the paper's eight
  std::vector<int64_t> hidden = {128, 512};
  std::vector<double> dropout = {0.0, 0.25};
  int consumer_epochs = 40;
  int seeds = 3;
  int consumer_batch = 2048;
  // Each consumer trains on at most this many of its task's examples, a fixed
  // random subset (0 = all); see consumer/tasks.h sample_examples.
  int64_t consumer_max_examples = 100000;
  bool force = false;  // retrain everything, ignoring complete runs and saved consumers
  bool plots = true;
};

// Runs (or resumes) the experiment into out_dir and returns results.json's content.
nlohmann::json run_experiment(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                              const ExperimentConfig& config, const std::string& out_dir);

// The experiment once per training seed (TrainConfig::seed), each into
// out_dir/seed<s>/ (a single seed: out_dir itself); then, over the seeds,
// out_dir/table.md, table.csv and results.json with every figure as mean ±
// std (each seed's value kept), and the plots with error bars.
nlohmann::json run_experiment_seeds(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                                    const ExperimentConfig& config, const std::vector<uint64_t>& seeds,
                                    const std::string& out_dir);

// The trade-off made visible: the experiment over `config.strategies` (empty:
// the paper's eight) plus `base` at each of `settings` ("lambda=4",
// "max-alignment=0.3", ...: base@setting), then pareto.png/.svg (intended vs
// unintended degradation, mean ± std over seeds) and sweep.md marking the
// strategies on the Pareto front. Returns results.json's content with a
// "pareto" list added.
nlohmann::json run_sweep(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                         const ExperimentConfig& config, const std::vector<uint64_t>& seeds, const std::string& base,
                         const std::vector<std::string>& settings, const std::string& out_dir);

// A saved experiment's consumers of one task, evaluated (never retrained) on
// given version-0-compatible embeddings of a version's nodes, e.g. fetched from
// `bcemb serve` or written by `bcemb export`. Rows are matched by id; a node
// the examples need but the tables lack is an Error. Returns the ROC-AUC per
// seed and its mean.
struct EmbeddingTable {
  Matrix rows;
  std::vector<std::string> ids;
};
nlohmann::json evaluate_saved_consumers(const Dataset& ds, const SliceSpec& slices, const std::string& experiment_dir,
                                        const std::string& task, int version, const EmbeddingTable* users,
                                        const EmbeddingTable* items);

}  // namespace bcemb
