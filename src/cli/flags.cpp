#include "flags.h"

#include <algorithm>
#include <iostream>

#include <sstream>

#include "bcemb/io/scratch_dir.h"
#include "bcemb/util/error.h"
#include "bcemb/util/progress.h"
#include "bcemb/util/threads.h"

namespace bcemb::cli {

std::vector<double> parse_double_list(const std::string& s, const std::string& flag) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    float v;
    if (!parse_float(tok, v)) throw Error(flag + ": '" + tok + "' is not a number");
    out.push_back(std::stod(tok));
  }
  return out;
}

std::vector<int64_t> parse_int_list(const std::string& s, const std::string& flag) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    int64_t v;
    if (!parse_int64(tok, v)) throw Error(flag + ": '" + tok + "' is not an integer");
    out.push_back(v);
  }
  return out;
}

void DataFlags::add(CLI::App* app) {
  app->add_option("--format", load.format, "amazon | movielens | csv | synthetic")->capture_default_str();
  app->add_option("--path", load.path, "data folder or file (not for synthetic)");
  app->add_flag("--skip-bad-lines", load.skip_bad_lines, "skip malformed lines (reported) instead of failing");
  app->add_option("--user-col", load.csv.user_col, "csv: user column")->capture_default_str();
  app->add_option("--item-col", load.csv.item_col, "csv: item column")->capture_default_str();
  app->add_option("--rating-col", load.csv.rating_col, "csv: rating column (absent: rating 1)")->capture_default_str();
  app->add_option("--time-col", load.csv.time_col, "csv: time column (unix seconds or ISO-8601)")->capture_default_str();
  app->add_flag("--no-header", no_header, "csv: the first line is data; name the columns with --columns");
  app->add_option("--columns", load.csv.columns, "csv: column names in file order, e.g. user,item,rating,time")
      ->delimiter(',');
  app->add_option("--delimiter", delimiter, "csv: field delimiter (default from the extension; 'tab' for TAB)");
  app->add_option("--item-attrs", load.csv.item_attr_path, "csv: item attribute file (item,kind,value or wide)");
  app->add_option("--attr-columns", load.csv.attr_columns, "csv: multi-valued attribute columns, e.g. genres")
      ->delimiter(',');
  app->add_option("--numeric-attrs", load.csv.numeric_attrs, "csv: attribute columns that hold quantities (e.g. year)")
      ->delimiter(',');
  app->add_option("--keep-attrs", load.keep_attrs, "item attribute kinds to keep even when identifier-like")
      ->delimiter(',');
  app->add_option("--value-sep", value_sep, "csv: separator inside multi-valued columns")->capture_default_str();
  app->add_option("--users", load.synthetic.users, "synthetic: users")->capture_default_str();
  app->add_option("--items", load.synthetic.items, "synthetic: items")->capture_default_str();
  app->add_option("--interactions", load.synthetic.interactions, "synthetic: interactions")->capture_default_str();
  app->add_option("--data-seed", load.synthetic.seed, "synthetic: generator seed")->capture_default_str();
  app->add_option("--cuts", cuts, "version cut points as fractions of the time-ordered stream")->capture_default_str();
  app->add_option("--cut-times", cut_times, "version cut points as unix timestamps (instead of --cuts)");
}

SliceSpec DataFlags::slices() const {
  SliceSpec s;
  if (!cut_times.empty()) {
    s.timestamps = parse_int_list(cut_times, "--cut-times");
  } else {
    s.fractions = parse_double_list(cuts, "--cuts");
  }
  return s;
}

Dataset DataFlags::load_dataset(LoadReport* out_report) const {
  LoadOptions o = load;
  o.csv.header = !no_header;
  if (delimiter == "tab" || delimiter == "\\t") o.csv.delimiter = '\t';
  else if (delimiter.size() == 1) o.csv.delimiter = delimiter[0];
  else if (!delimiter.empty()) throw Error("--delimiter must be one character or 'tab'");
  if (value_sep.size() != 1) throw Error("--value-sep must be one character");
  o.csv.value_separator = value_sep[0];
  LoadReport report;
  Dataset ds = bcemb::load_dataset(o, &report);
  for (const auto& n : report.notes) log_line(n);
  if (report.skipped > 0) log_line(report.summary());
  if (ds.interactions.empty()) throw Error("no interactions loaded from " + (o.path.empty() ? o.format : o.path));
  if (out_report != nullptr) *out_report = report;
  return ds;
}

void add_threads_flag(CLI::App* app, int& threads) {
  app->add_option("--threads", threads, "threads for libtorch and BLAS (default: BCEMB_THREADS or all cores)");
}

void apply_threads(int threads) { set_threads(threads > 0 ? threads : default_threads()); }

void TrainFlags::add(CLI::App* app) {
  app->add_option("--dims", dims, "embedding dimension per version")->capture_default_str();
  app->add_option("--layers", layers, "GNN layers per version")->capture_default_str();
  app->add_option("--epochs", config.epochs, "training epochs per version")->capture_default_str();
  app->add_option("--eval-every", config.eval_every, "evaluate Recall@K every N epochs")->capture_default_str();
  app->add_option("--eval-users", config.eval_users,
                  "per-epoch Recall on at most this many validation users (fixed subset; 0 = all)")
      ->capture_default_str();
  app->add_option("--warmup", config.warmup_epochs, "aligned fits pick their best epoch after this many (recall guards: among all)")
      ->capture_default_str();
  app->add_option("--posthoc-epochs", config.posthoc_epochs, "epochs of post-hoc B fitting (0 = --epochs)")
      ->capture_default_str();
  app->add_option("--batch-size", config.batch_size, "BPR batch size")->capture_default_str();
  app->add_option("--plan", config.plan,
                  "per step: full (every node), batch (exactly the nodes a batch needs), sampled (neighbours drawn by "
                  "--fanout), historical (targets only, kept neighbour outputs), or auto (by estimated cost)")
      ->capture_default_str();
  app->add_option("--fanout", fanout, "sampled plans: neighbours per node for layers L, L-1, ..., 2 (0 = all)")
      ->capture_default_str();
  app->add_option("--lr", config.lr, "Adam learning rate")->capture_default_str();
  app->add_option("--transform-lr", config.transform_lr, "Adam learning rate of the backward transforms (0 = --lr)")
      ->capture_default_str();
  app->add_option("--weight-decay", config.weight_decay, "L2 weight on batch embeddings")->capture_default_str();
  app->add_option("--lambda", config.lambda, "alignment loss weight")->capture_default_str();
  app->add_option("--distill-weight", config.distill_weight, "weight of the distillation term of -distill strategies")
      ->capture_default_str();
  app->add_option("--lambda-ramp", config.lambda_ramp_epochs, "joint fits: epochs over which lambda grows to its value")
      ->capture_default_str();
  app->add_option("--seed", config.seed, "training seed")->capture_default_str();
  app->add_option("--item-id-feature", config.item_id_feature, "auto | on | off: per-item id embedding")
      ->capture_default_str();
  add_threads_flag(app, threads);
  app->add_option("--jobs", config.jobs,
                  "independent trainings (strategies, from-scratch models, consumer tasks) at once, each on "
                  "threads/jobs threads (0 = one per thread)")
      ->capture_default_str();
  dist.add(app);
}

void DistFlags::add(CLI::App* app) {
  app->add_option("--world-size", options.world_size, "data parallel: number of ranks (see bcemb launch)")
      ->capture_default_str();
  app->add_option("--rank", options.rank, "data parallel: this process's rank, 0..world-size-1")->capture_default_str();
  app->add_option("--rendezvous", options.rendezvous,
                  "data parallel: tcp://HOST:PORT (rank 0 listens there) or file://PATH (one machine)");
  app->add_option("--dist-timeout", options.timeout_s,
                  "data parallel: seconds before a silent rank is reported lost")
      ->capture_default_str();
}

void DistFlags::join() const {
  options.validate();
  if (options.world_size <= 1 || dist::current() != nullptr) return;
  dist::set_current(dist::connect(options));
  // Ranks compute the same thing: progress from rank 0; every rank's errors still print.
  if (options.rank > 0) Progress::set_quiet(true);
}

std::string TrainFlags::output_dir(const std::string& out) {
  if (dist::is_writer()) return out;
  static const ScratchDir scratch("bcemb-rank-");
  dist::set_private_outputs(true);
  return scratch.path() + "/out";
}

void print_result(const std::string& text) {
  if (dist::is_writer()) std::cout << text;
}

void TrainFlags::add_seeds(CLI::App* app) {
  app->add_option("--train-seeds", train_seeds,
                  "train every strategy with each of these seeds (e.g. 0,1,2): tables give mean ± std");
}

std::vector<uint64_t> TrainFlags::seeds() const {
  if (train_seeds.empty()) return {config.seed};
  std::vector<uint64_t> out;
  for (const int64_t s : parse_int_list(train_seeds, "--train-seeds")) {
    if (s < 0) throw Error("--train-seeds: seeds are >= 0, got " + std::to_string(s));
    if (std::find(out.begin(), out.end(), static_cast<uint64_t>(s)) != out.end())
      throw Error("--train-seeds: seed " + std::to_string(s) + " is given twice");
    out.push_back(static_cast<uint64_t>(s));
  }
  if (out.empty()) throw Error("--train-seeds: give at least one seed");
  return out;
}

TrainConfig TrainFlags::resolve() const {
  TrainConfig c = config;
  const auto d = parse_int_list(dims, "--dims");
  const auto l = parse_int_list(layers, "--layers");
  if (d.size() != l.size() && l.size() != 1)
    throw Error("--dims has " + std::to_string(d.size()) + " entries but --layers has " + std::to_string(l.size()));
  c.fanout.clear();
  for (const int64_t f : parse_int_list(fanout, "--fanout")) c.fanout.push_back(static_cast<int>(f));
  c.models.clear();
  for (size_t k = 0; k < d.size(); ++k)
    c.models.push_back({d[k], static_cast<int>(l.size() == 1 ? l[0] : l[k])});
  c.validate();
  apply_threads(threads);
  dist.join();
  return c;
}

}  // namespace bcemb::cli
