#pragma once
// The intended-task comparison (bcemb compare): every strategy trained on
// the same data, Recall@K per version, degradation vs no-bc, alignment error.
// Output folder: runs/<strategy>/, cache/, intended.md/.csv/.json; with
// several training seeds each seed's into seed<s>/ and, over the seeds,
// intended.md/.csv/.json with mean ± std (each seed's value kept).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bcemb/compat/strategy.h"
#include "bcemb/data/dataset.h"
#include "bcemb/train/train_config.h"
#include "bcemb/versions/time_slices.h"

namespace bcemb {

// Returns intended.json's content; the Markdown table is out_dir/intended.md.
nlohmann::json run_compare(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                           const std::vector<StrategySpec>& strategies, const std::vector<uint64_t>& seeds,
                           const std::string& out_dir, bool force);

}  // namespace bcemb
