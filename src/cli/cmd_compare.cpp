// bcemb compare: every strategy on the same data and seeds; the intended-task table.
#include <iostream>
#include <sstream>

#include "bcemb/compat/strategy.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/report/intended.h"
#include "bcemb/train/workbench.h"
#include "bcemb/util/progress.h"
#include "commands.h"
#include "flags.h"

namespace bcemb::cli {

std::vector<StrategySpec> strategy_list(const std::string& csv) {
  std::vector<StrategySpec> out;
  if (csv.empty()) {
    for (const auto& n : paper_strategies()) out.push_back(parse_strategy(n));
    return out;
  }
  std::stringstream ss(csv);
  std::string name;
  while (std::getline(ss, name, ',')) out.push_back(parse_strategy(name));
  return out;
}

std::vector<StrategyResult> run_strategies(Workbench& wb, const std::vector<StrategySpec>& specs,
                                           const std::string& out, bool force) {
  std::vector<StrategyResult> results;
  Progress progress("compare", static_cast<int64_t>(specs.size()));
  for (size_t i = 0; i < specs.size(); ++i) {
    results.push_back(wb.run(specs[i], out + "/runs/" + specs[i].name, force));
    progress.step(static_cast<int64_t>(i + 1), specs[i].name + " done");
  }
  return results;
}

void register_compare(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare", "train every strategy on the same data and seeds; intended-task table");
  auto data = std::make_shared<DataFlags>();
  auto train = std::make_shared<TrainFlags>();
  auto strategies = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  data->add(cmd);
  train->add(cmd);
  cmd->add_option("--strategies", *strategies, "comma-separated subset (default: the paper's eight)");
  cmd->add_option("--out", *out, "output folder (runs/, cache/, intended.md/.csv/.json)")->required();
  cmd->add_flag("--force", *force, "retrain strategies whose complete runs exist");
  cmd->callback([=] {
    const auto specs = strategy_list(*strategies);
    const TrainConfig config = train->resolve();
    const Dataset ds = data->load_dataset();
    make_dirs(*out);
    Workbench wb(ds, data->slices(), config, *out + "/cache");
    const auto results = run_strategies(wb, specs, *out, *force);
    const auto rows = intended_comparison(results, config.primary_k);
    const Table t = intended_table(rows, config.primary_k);
    write_file_atomic(*out + "/intended.md", t.to_markdown());
    write_file_atomic(*out + "/intended.csv", t.to_csv());
    nlohmann::json j{{"data", ds.name}, {"slices", data->slices().describe()}, {"strategies", intended_json(rows, config.primary_k)}};
    double seconds = 0;
    for (const auto& r : results) seconds += r.seconds;
    j["train_seconds_total"] = seconds;
    write_file_atomic(*out + "/intended.json", j.dump(2));
    std::cout << t.to_markdown();
  });
}

}  // namespace bcemb::cli
