#pragma once
// The intended-task side of the paper's comparison: per strategy, Recall@K
// per version, its mean, the degradation relative to no-bc and the alignment
// error (version-0-compatible embeddings vs fix-m0's), averaged over the
// versions after 0 (version 0 is the same model for every strategy).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bcemb/report/table.h"
#include "bcemb/train/run_dir.h"

namespace bcemb {

struct IntendedRow {
  std::string strategy;
  std::vector<double> recall;           // per version
  double mean_recall = 0;               // over all versions
  double degradation_pct = 0;           // mean over versions >= 1 of (R - R_nobc) / R_nobc * 100
  std::vector<double> alignment_error;  // per version (0 at version 0)
  double mean_alignment_error = 0;      // over versions >= 1
};

// One version's intended degradation, percent: (R - R_nobc) / R_nobc * 100.
double recall_change_pct(double recall, double nobc_recall);

// Needs "no-bc" among the results for the degradation (NaN otherwise).
std::vector<IntendedRow> intended_comparison(const std::vector<StrategyResult>& results, int k);
Table intended_table(const std::vector<IntendedRow>& rows, int k);
nlohmann::json intended_json(const std::vector<IntendedRow>& rows, int k);

}  // namespace bcemb
