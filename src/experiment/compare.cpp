#include "bcemb/experiment/compare.h"

#include "bcemb/io/atomic_file.h"
#include "bcemb/report/intended.h"
#include "bcemb/report/seeds.h"
#include "bcemb/train/workbench.h"
#include "bcemb/util/error.h"
#include "bcemb/util/progress.h"

namespace bcemb {

namespace {

nlohmann::json compare_one(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                           const std::vector<StrategySpec>& specs, const std::string& out, bool force) {
  make_dirs(out);
  Workbench wb(ds, slices, train, out + "/cache");
  std::vector<std::string> dirs;
  for (const auto& s : specs) dirs.push_back(out + "/runs/" + s.name);
  Progress progress("compare", static_cast<int64_t>(specs.size()));
  int64_t finished = 0;
  const std::vector<StrategyResult> results =
      wb.run_all(specs, dirs, force, [&](size_t i) { progress.step(++finished, specs[i].name + " done"); });
  const auto rows = intended_comparison(results, train.primary_k);
  const Table t = intended_table(rows, train.primary_k);
  write_file_atomic(out + "/intended.md", t.to_markdown());
  write_file_atomic(out + "/intended.csv", t.to_csv());
  nlohmann::json j{{"data", ds.name}, {"slices", slices.describe()}, {"seed", train.seed},
                   {"strategies", intended_json(rows, train.primary_k)}};
  double seconds = 0;
  for (const auto& r : results) seconds += r.seconds;
  j["train_seconds_total"] = seconds;
  write_file_atomic(out + "/intended.json", j.dump(2));
  return j;
}

}  // namespace

nlohmann::json run_compare(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                           const std::vector<StrategySpec>& specs, const std::vector<uint64_t>& seeds,
                           const std::string& out, bool force) {
  if (seeds.empty()) throw Error("--train-seeds: give at least one seed");
  if (seeds.size() == 1) {
    TrainConfig t = train;
    t.seed = seeds[0];
    return compare_one(ds, slices, t, specs, out, force);
  }
  std::vector<nlohmann::json> per_seed;
  nlohmann::json dirs = nlohmann::json::array();
  for (const uint64_t seed : seeds) {
    TrainConfig t = train;
    t.seed = seed;
    const std::string dir = "seed" + std::to_string(seed);
    per_seed.push_back(compare_one(ds, slices, t, specs, out + "/" + dir, force).at("strategies"));
    dirs.push_back(dir);
  }
  const nlohmann::json agg = aggregate_seeds(
      per_seed, {"/recall_per_version", "/mean_recall", "/degradation_vs_nobc_pct", "/mean_alignment_error"});
  Table t;
  t.header = {"strategy"};
  const size_t versions = agg.empty() ? 0 : agg[0].at("recall_per_version").at("mean").size();
  for (size_t v = 0; v < versions; ++v) t.header.push_back("R@" + std::to_string(train.primary_k) + " v" + std::to_string(v));
  t.header.insert(t.header.end(), {"mean R@" + std::to_string(train.primary_k), "degradation vs no-bc (%)", "alignment error"});
  for (const auto& a : agg) {
    std::vector<std::string> cells{a.at("strategy")};
    const auto& r = a.at("recall_per_version");
    for (size_t v = 0; v < versions; ++v)
      cells.push_back(fmt_mean_std({r.at("mean")[v].get<double>(), r.at("std")[v].get<double>(), r.at("n").get<int>()},
                                   4, false));
    cells.push_back(fmt_mean_std(mean_std_of(a.at("mean_recall")), 4, false));
    cells.push_back(fmt_mean_std(mean_std_of(a.at("degradation_vs_nobc_pct")), 1, true));
    cells.push_back(fmt_mean_std(mean_std_of(a.at("mean_alignment_error")), 3, false));
    t.rows.push_back(std::move(cells));
  }
  write_file_atomic(out + "/intended.md", t.to_markdown());
  write_file_atomic(out + "/intended.csv", t.to_csv());
  nlohmann::json j{{"data", ds.name}, {"slices", slices.describe()}, {"train_seeds", seeds}, {"seed_runs", dirs},
                   {"strategies", agg}};
  write_file_atomic(out + "/intended.json", j.dump(2));
  return j;
}

}  // namespace bcemb
