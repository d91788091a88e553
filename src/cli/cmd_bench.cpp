// bcemb bench train: time one version's training the way the speed anchor
// (../shared/bench/reference_pinsage.py) does, and print the same figures.
#include <algorithm>
#include <iostream>

#include "bcemb/train/workbench.h"
#include "bcemb/util/threads.h"
#include "commands.h"
#include "flags.h"

namespace bcemb::cli {

void register_bench(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "speed benchmarks");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand("train", "train version 0 from scratch, report seconds per epoch and the Recall curve");
  auto data = std::make_shared<DataFlags>();
  auto train = std::make_shared<TrainFlags>();
  auto version = std::make_shared<int>(0);
  auto target = std::make_shared<double>(0.21);
  data->cuts = "0.5,0.6";
  train->dims = "256";
  train->layers = "2";
  train->config.epochs = 20;
  data->add(cmd);
  train->add(cmd);
  cmd->add_option("--version", *version, "which version to train")->capture_default_str();
  cmd->add_option("--target", *target, "report when validation Recall@50 first reaches this")->capture_default_str();
  cmd->callback([=] {
    const TrainConfig config = train->resolve();
    const Dataset ds = data->load_dataset();
    Workbench wb(ds, data->slices(), config);
    const FitResult fit = wb.train_scratch(*version);
    const Version& v = wb.versions().at(static_cast<size_t>(*version));
    std::vector<double> epoch_s;
    double prev = 0, to_target = -1;
    int epoch_target = -1;
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& p : fit.curve) {
      epoch_s.push_back((p.train_seconds - prev) / std::max(1, config.eval_every));
      prev = p.train_seconds;
      curve.push_back({{"epoch", p.epoch}, {"train_s", p.train_seconds}, {"recall@50", p.recall}});
      if (epoch_target < 0 && p.recall >= *target) {
        epoch_target = p.epoch;
        to_target = p.train_seconds;
      }
    }
    std::sort(epoch_s.begin(), epoch_s.end());
    nlohmann::json j{{"users", v.num_users},
                     {"items", v.num_items},
                     {"train_edges", v.train.size()},
                     {"val_edges", v.val.size()},
                     {"epochs", config.epochs},
                     {"median_epoch_s", epoch_s.empty() ? 0.0 : epoch_s[epoch_s.size() / 2]},
                     {"recall@50", fit.recall.at(50)},
                     {"best_epoch", fit.best_epoch},
                     {"threads", get_threads()},
                     {"target", *target},
                     {"epochs_to_target", epoch_target},
                     {"train_s_to_target", to_target},
                     {"curve", curve}};
    std::cout << j.dump() << "\n";
  });
}

}  // namespace bcemb::cli
