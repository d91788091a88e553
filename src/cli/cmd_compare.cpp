// bcemb compare: every strategy on the same data and seeds; the intended-task table.
#include <iostream>
#include <sstream>

#include "bcemb/compat/strategy.h"
#include "bcemb/experiment/compare.h"
#include "bcemb/io/atomic_file.h"
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

void register_compare(CLI::App& app) {
  auto* cmd = app.add_subcommand("compare", "train every strategy on the same data and seeds; intended-task table");
  auto data = std::make_shared<DataFlags>();
  auto train = std::make_shared<TrainFlags>();
  auto strategies = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  data->add(cmd);
  train->add(cmd);
  train->add_seeds(cmd);
  cmd->add_option("--strategies", *strategies, "comma-separated subset (default: the paper's eight)");
  cmd->add_option("--out", *out, "output folder (runs/, cache/, intended.md/.csv/.json)")->required();
  cmd->add_flag("--force", *force, "retrain strategies whose complete runs exist");
  cmd->callback([=] {
    const auto specs = strategy_list(*strategies);
    const TrainConfig config = train->resolve();
    const Dataset ds = data->load_dataset();
    const std::string dir = TrainFlags::output_dir(*out);
    run_compare(ds, data->slices(), config, specs, train->seeds(), dir, *force);
    print_result(read_file(dir + "/intended.md"));
  });
}

}  // namespace bcemb::cli
