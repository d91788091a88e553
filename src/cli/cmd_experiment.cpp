// bcemb experiment: the paper's full comparison with consumers and plots.
// bcemb demo: the experiment on the embedded synthetic data, sized for ~10 minutes on 2 cores.
#include <iostream>
#include <sstream>

#include "bcemb/experiment/experiment.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/train/run_dir.h"
#include "commands.h"
#include "flags.h"

namespace bcemb::cli {

namespace {

struct ExperimentFlags {
  ExperimentConfig config;
  std::string strategies;
  std::string hidden = "128,512";
  std::string dropout = "0,0.25";
  std::string out;
  void add(CLI::App* cmd) {
    cmd->add_option("--out", out, "output folder (table.md, table.csv, results.json, plots, runs/, consumers/)")
        ->required();
    cmd->add_option("--strategies", strategies, "comma-separated subset (default: the paper's eight)");
    cmd->add_option("--consumer-hidden", hidden, "consumer MLP hidden sizes to select from")->capture_default_str();
    cmd->add_option("--consumer-dropout", dropout, "consumer MLP dropouts to select from")->capture_default_str();
    cmd->add_option("--consumer-epochs", config.consumer_epochs, "consumer training epochs")->capture_default_str();
    cmd->add_option("--consumer-seeds", config.seeds, "consumer seeds averaged")->capture_default_str();
    cmd->add_option("--consumer-max-examples", config.consumer_max_examples,
                    "consumers train on at most this many of a task's examples, a fixed random subset (0 = all)")
        ->capture_default_str();
    cmd->add_flag("--force", config.force, "recompute finished strategies and consumers");
    cmd->add_flag("!--no-plots", config.plots, "skip the gnuplot plots");
  }
  ExperimentConfig resolve() const {
    ExperimentConfig c = config;
    if (!strategies.empty())
      for (const auto& s : strategy_list(strategies)) c.strategies.push_back(s.name);
    c.hidden = parse_int_list(hidden, "--consumer-hidden");
    c.dropout = parse_double_list(dropout, "--consumer-dropout");
    return c;
  }
};

void run(const DataFlags& data, const TrainFlags& train, const ExperimentFlags& exp) {
  const ExperimentConfig cfg = exp.resolve();
  const TrainConfig tc = train.resolve();
  const Dataset ds = data.load_dataset();
  const std::string dir = TrainFlags::output_dir(exp.out);
  run_experiment_seeds(ds, data.slices(), tc, cfg, train.seeds(), dir);
  print_result(read_file(dir + "/table.md"));
}

}  // namespace

void register_experiment(CLI::App& app) {
  auto* cmd = app.add_subcommand("experiment", "all strategies, all unintended tasks, tables and plots");
  auto data = std::make_shared<DataFlags>();
  auto train = std::make_shared<TrainFlags>();
  auto exp = std::make_shared<ExperimentFlags>();
  data->add(cmd);
  train->add(cmd);
  train->add_seeds(cmd);
  exp->add(cmd);
  cmd->callback([=] { run(*data, *train, *exp); });

  auto* sweep = app.add_subcommand("sweep", "one strategy at several settings beside the paper's eight: Pareto plot");
  auto sdata = std::make_shared<DataFlags>();
  auto strain = std::make_shared<TrainFlags>();
  auto sexp = std::make_shared<ExperimentFlags>();
  auto base = std::make_shared<std::string>("joint-lin-mloss");
  auto lambdas = std::make_shared<std::string>();
  auto max_align = std::make_shared<std::string>();
  auto max_intended = std::make_shared<std::string>();
  auto max_recall = std::make_shared<std::string>();
  auto max_mean_recall = std::make_shared<std::string>();
  sdata->add(sweep);
  strain->add(sweep);
  strain->add_seeds(sweep);
  sexp->add(sweep);
  sweep->add_option("--strategy", *base, "the strategy to sweep: " + strategy_grammar())->capture_default_str();
  // Here --lambda lists the weights to sweep; the paper's strategies keep the default.
  sweep->remove_option(sweep->get_option("--lambda"));
  sweep->add_option("--lambda", *lambdas, "alignment weights to try, e.g. 1,4,16,64");
  sweep->add_option("--max-alignment", *max_align, "alignment-loss bounds to try");
  sweep->add_option("--max-intended-loss", *max_intended, "task-loss bounds to try (percent)");
  sweep->add_option("--max-recall-loss", *max_recall, "recall guards to try (percent; warm strategies)");
  sweep->add_option("--max-mean-recall-loss", *max_mean_recall,
                    "recall budgets (guards on the mean over versions) to try (percent; warm strategies)");
  sweep->callback([=] {
    std::vector<std::string> settings;
    for (const auto& [key, list] : {std::make_pair("lambda", *lambdas), std::make_pair("max-alignment", *max_align),
                                    std::make_pair("max-intended-loss", *max_intended),
                                    std::make_pair("max-recall-loss", *max_recall),
                                    std::make_pair("max-mean-recall-loss", *max_mean_recall)})
      if (!list.empty())
        for (const double v : parse_double_list(list, std::string("--") + key)) {
          std::ostringstream ss;
          ss << key << "=" << v;
          settings.push_back(ss.str());
        }
    const ExperimentConfig cfg = sexp->resolve();
    const TrainConfig tc = strain->resolve();
    const Dataset ds = sdata->load_dataset();
    const std::string dir = TrainFlags::output_dir(sexp->out);
    run_sweep(ds, sdata->slices(), tc, cfg, strain->seeds(), *base, settings, dir);
    print_result(read_file(dir + "/sweep.md"));
  });

  auto* demo = app.add_subcommand("demo", "the experiment on the embedded synthetic data (about 10 minutes on 2 cores)");
  auto ddata = std::make_shared<DataFlags>();
  auto dtrain = std::make_shared<TrainFlags>();
  auto dexp = std::make_shared<ExperimentFlags>();
  dtrain->dims = "32,40,48,56,64";
  dtrain->layers = "2,2,3,3,3";
  dtrain->config.epochs = 30;
  dtrain->config.warmup_epochs = 10;
  dexp->out = "runs/demo";
  ddata->add(demo);
  dtrain->add(demo);
  dtrain->add_seeds(demo);
  dexp->add(demo);
  demo->get_option("--out")->required(false)->capture_default_str();
  demo->callback([=] { run(*ddata, *dtrain, *dexp); });
}

void register_consumer(CLI::App& app) {
  auto* consumer = app.add_subcommand("consumer", "evaluate an experiment's saved consumers");
  consumer->require_subcommand(1);
  auto* eval = consumer->add_subcommand("eval", "ROC-AUC of a task's consumers on given version-0-compatible embeddings");
  auto data = std::make_shared<DataFlags>();
  auto dir = std::make_shared<std::string>();
  auto task = std::make_shared<std::string>();
  auto version = std::make_shared<int>(1);
  auto users = std::make_shared<std::string>(), user_ids = std::make_shared<std::string>();
  auto items = std::make_shared<std::string>(), item_ids = std::make_shared<std::string>();
  data->add(eval);
  eval->add_option("--experiment", *dir, "experiment folder (with consumers/)")->required();
  eval->add_option("--task", *task, "task name, as in table.md")->required();
  eval->add_option("--version", *version, "version whose examples are scored")->capture_default_str();
  eval->add_option("--user-embeddings", *users, "user embeddings .npy (version-0 space)");
  eval->add_option("--user-ids", *user_ids, "their ids (index<TAB>id)");
  eval->add_option("--item-embeddings", *items, "item embeddings .npy (version-0 space)");
  eval->add_option("--item-ids", *item_ids, "their ids (index<TAB>id)");
  eval->callback([=] {
    const Dataset ds = data->load_dataset();
    EmbeddingTable u, i;
    if (!users->empty()) u = {read_matrix_npy(*users), read_id_map(*user_ids)};
    if (!items->empty()) i = {read_matrix_npy(*items), read_id_map(*item_ids)};
    std::cout << evaluate_saved_consumers(ds, data->slices(), *dir, *task, *version, users->empty() ? nullptr : &u,
                                          items->empty() ? nullptr : &i)
                     .dump(2)
              << "\n";
  });
}

}  // namespace bcemb::cli
