// bcemb train: all versions of one strategy into a run directory.
// bcemb transform: version-k embeddings of a run mapped to version j.
#include <iostream>

#include "bcemb/compat/strategy.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/train/run_dir.h"
#include "bcemb/train/workbench.h"
#include "bcemb/util/error.h"
#include "commands.h"
#include "flags.h"

namespace bcemb::cli {

void register_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "train every version with one update strategy");
  auto data = std::make_shared<DataFlags>();
  auto train = std::make_shared<TrainFlags>();
  auto strategy = std::make_shared<std::string>("no-bc");
  auto out = std::make_shared<std::string>();
  auto cache = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  data->add(cmd);
  train->add(cmd);
  auto max_alignment = std::make_shared<double>(0);
  auto max_intended = std::make_shared<double>(0);
  auto max_recall = std::make_shared<double>(0);
  auto max_mean_recall = std::make_shared<double>(0);
  cmd->add_option("--strategy", *strategy, "update strategy: " + strategy_grammar())->capture_default_str();
  cmd->add_option("--max-alignment", *max_alignment,
                  "instead of --lambda: keep the alignment loss <= this (a Lagrange multiplier sets lambda)");
  cmd->add_option("--max-intended-loss", *max_intended,
                  "instead of --lambda: keep the task loss within this percent of the unconstrained model's");
  cmd->add_option("--max-recall-loss", *max_recall,
                  "warm strategies: keep the most aligned of the post-hoc fit and the epochs whose recall is within "
                  "this percent of the unconstrained model's");
  cmd->add_option("--max-mean-recall-loss", *max_mean_recall,
                  "warm strategies: as --max-recall-loss, on the mean over versions of the recall loss (a budget "
                  "spent version by version)");
  cmd->add_option("--out", *out, "run directory")->required();
  cmd->add_option("--cache", *cache, "folder to keep shared models (version 0, from-scratch models) between runs");
  cmd->add_flag("--force", *force, "retrain even if --out holds a complete run");
  cmd->callback([=] {
    std::string name = *strategy;
    if (*max_alignment > 0) name += "@max-alignment=" + std::to_string(*max_alignment);
    if (*max_intended > 0) name += "@max-intended-loss=" + std::to_string(*max_intended);
    if (*max_recall > 0) name += "@max-recall-loss=" + std::to_string(*max_recall);
    if (*max_mean_recall > 0) name += "@max-mean-recall-loss=" + std::to_string(*max_mean_recall);
    const StrategySpec spec = parse_strategy(name);
    const TrainConfig config = train->resolve();
    const Dataset ds = data->load_dataset();
    Workbench bench(ds, data->slices(), config, *cache);
    const StrategyResult r = bench.run_all({spec}, {*out}, *force).front();
    nlohmann::json j;
    j["strategy"] = r.strategy;
    j["run"] = *out;
    j["seconds"] = r.seconds;
    j["versions"] = nlohmann::json::array();
    for (const auto& v : r.versions) {
      auto m = to_json(v);
      m.erase("curve");
      j["versions"].push_back(m);
    }
    print_result(j.dump(2) + "\n");
  });
}

void register_transform(CLI::App& app) {
  auto* cmd = app.add_subcommand("transform", "write version-j compatible embeddings from a run's version k");
  auto run = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto from = std::make_shared<int>(-1);
  auto to = std::make_shared<int>(0);
  cmd->add_option("--run", *run, "run directory")->required();
  cmd->add_option("--from-version", *from, "source version k (default: the latest)");
  cmd->add_option("--to-version", *to, "target version j <= k")->capture_default_str();
  cmd->add_option("--out", *out, "output folder (user_emb.npy, item_emb.npy, users.tsv, items.tsv)")->required();
  cmd->callback([=] {
    const RunDir rd(*run);
    const int k = *from < 0 ? rd.versions() - 1 : *from;
    const TransformChain chain = rd.chain();
    chain.check(k, *to);
    make_dirs(*out);
    nlohmann::json j{{"run", *run}, {"from_version", k}, {"to_version", *to}};
    for (const std::string kind : {"users", "items"}) {
      const Matrix z = rd.embeddings(k, kind);
      const Matrix t = chain.apply(z, k, *to);
      const std::string stem = kind == "users" ? "user" : "item";
      write_matrix_npy(*out + "/" + stem + "_emb.npy", t);
      const auto ids = rd.ids(k, kind);
      write_id_map(*out + "/" + kind + ".tsv", ids, ids.size());
      j[kind] = {{"rows", t.rows}, {"dim", t.cols}};
    }
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace bcemb::cli
