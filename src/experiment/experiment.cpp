#include "bcemb/experiment/experiment.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "bcemb/compat/strategy.h"
#include "bcemb/consumer/mlp.h"
#include "bcemb/consumer/tasks.h"
#include "bcemb/eval/roc_auc.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/io/json_number.h"
#include "bcemb/report/intended.h"
#include "bcemb/report/pareto.h"
#include "bcemb/report/plot.h"
#include "bcemb/report/seeds.h"
#include "bcemb/train/run_dir.h"
#include "bcemb/train/workbench.h"
#include "bcemb/util/error.h"
#include "bcemb/util/hash.h"
#include "bcemb/util/jobs.h"
#include "bcemb/util/progress.h"
#include "bcemb/util/rng.h"
#include "bcemb/util/threads.h"

namespace bcemb {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kMinExamples = 20;
constexpr size_t kMinPerClass = 5;

// A strategy's version-0-compatible embeddings of every version.
struct Compat0 {
  std::vector<Matrix> users, items;
};

Compat0 load_compat0(const std::string& run_dir) {
  const RunDir rd(run_dir);
  const TransformChain chain = rd.chain();
  Compat0 c;
  for (int k = 0; k < rd.versions(); ++k) {
    c.users.push_back(chain.apply(rd.embeddings(k, "users"), k, 0));
    c.items.push_back(chain.apply(rd.embeddings(k, "items"), k, 0));
  }
  return c;
}

// A task's examples at one version: each row made when a batch asks for it,
// from the version's compatible user and/or item embeddings.
class ExampleFeatures : public Features {
 public:
  ExampleFeatures(const TaskDef& task, const TaskExamples& ex, const Compat0& emb, int version)
      : task_(task), ex_(ex), users_(emb.users.at(static_cast<size_t>(version))),
        items_(emb.items.at(static_cast<size_t>(version))) {}
  int64_t rows() const override { return static_cast<int64_t>(ex_.size()); }
  int64_t width() const override {
    return task_.input == TaskInput::Edge ? users_.cols + items_.cols
                                          : (task_.input == TaskInput::User ? users_.cols : items_.cols);
  }
  torch::Tensor gather(const int64_t* index, int64_t n) const override {
    const int64_t d = width(), du = users_.cols, di = items_.cols;
    auto x = torch::empty({n, d});
    float* out = x.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
      const size_t e = static_cast<size_t>(index[r]);
      float* row = out + r * d;
      if (task_.input == TaskInput::Item) {
        std::copy_n(items_.row(ex_.nodes[e]), di, row);
      } else {
        std::copy_n(users_.row(ex_.nodes[e]), du, row);
        if (task_.input == TaskInput::Edge) std::copy_n(items_.row(ex_.items[e]), di, row + du);
      }
    }
    return x;
  }

 private:
  const TaskDef& task_;
  const TaskExamples& ex_;
  const Matrix &users_, &items_;
};

torch::Tensor labels(const TaskExamples& ex) {
  return torch::from_blob(const_cast<float*>(ex.labels.data()), {static_cast<int64_t>(ex.size())}, torch::kFloat).clone();
}

// Why examples cannot train or score a binary classifier, or "" if they can.
std::string unusable(const TaskExamples& ex) {
  const double pos = ex.positive_rate() * static_cast<double>(ex.size());
  const double neg = static_cast<double>(ex.size()) - pos;
  if (ex.size() < kMinExamples) return std::to_string(ex.size()) + " examples (< " + std::to_string(kMinExamples) + ")";
  if (pos < kMinPerClass || neg < kMinPerClass)
    return "classes too small (" + std::to_string(static_cast<int64_t>(pos)) + " positive, " +
           std::to_string(static_cast<int64_t>(neg)) + " negative)";
  return "";
}

struct Consumers {
  ConsumerConfig config;
  std::vector<ConsumerMlp> models;  // one per seed
  nlohmann::json info;
};

std::string task_dir_name(const std::string& task) {
  std::string s;
  for (const char c : task) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return s;
}

// A task's saved consumers, if made with this fingerprint (else none).
std::optional<Consumers> load_saved(const TaskDef& task, const ExperimentConfig& cfg, const std::string& dir,
                                    const std::string& fingerprint) {
  const std::string meta = dir + "/consumer.json";
  if (cfg.force || !path_exists(meta)) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(read_file(meta));
    if (j.value("fingerprint", "") != fingerprint) return std::nullopt;
    Consumers c;
    c.config = {j.at("input_dim").get<int64_t>(), j.at("hidden").get<int64_t>(), j.at("dropout").get<double>()};
    for (int s = 0; s < cfg.seeds; ++s) {
      const std::string f = dir + "/seed" + std::to_string(s) + ".pt";
      c.models.push_back(load_consumer(c.config, read_file(f), f));
    }
    c.info = j;
    log_line("[consumers] " + task.name + ": reusing " + meta);
    return c;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // unreadable: retrained
  }
}

// One task's consumer training: the grid (hidden x dropout, seed 0) picks a
// configuration by selection ROC-AUC, then seeds 1.. train it again; seed 0
// is the grid's own model.
struct ConsumerWork {
  const TaskDef* task = nullptr;
  TaskExamples train, select;
  size_t train_available = 0;  // the task's training examples before sample_examples
  std::string dir, fingerprint;
  std::optional<Consumers> result;          // loaded, or assembled after training
  std::vector<ConsumerConfig> grid;         // configurations tried
  std::vector<TrainedConsumer> grid_fits;   // parallel to grid
  size_t chosen = 0;
  std::vector<TrainedConsumer> seed_fits;   // seeds 1..
};

TrainedConsumer fit_consumer(const ConsumerWork& w, const ConsumerConfig& cc, uint64_t seed, const Compat0& ref,
                             const ExperimentConfig& cfg) {
  const ExampleFeatures x(*w.task, w.train, ref, 0), xs(*w.task, w.select, ref, w.task->selection_version);
  ConsumerTraining tr;
  tr.epochs = cfg.consumer_epochs;
  tr.batch_size = cfg.consumer_batch;
  tr.seed = seed;
  return train_consumer(cc, tr, x, labels(w.train), xs, labels(w.select));
}

// Trains every task's consumers that are not saved yet: per task the grid
// (seed 0), then its other seeds once the grid has chosen. Each fit is a
// piece that any thread may take (run_one), the largest first (a fit costs
// about examples x hidden), so that the strategies' side-by-side workers
// can take them as they run out of runs. A fit computes on the share of
// the threads it gets when the fits run on their own (finish), so its
// result does not depend on which thread takes it, or when.
class ConsumerTrainer {
 public:
  ConsumerTrainer(std::vector<ConsumerWork>& work, const ExperimentConfig& cfg, int jobs)
      : work_(work), cfg_(cfg), jobs_(jobs) {
    for (const ConsumerWork& w : work_)
      if (!w.result) {
        grid_items_ += static_cast<int64_t>(cfg.hidden.size() * cfg.dropout.size());
        seed_items_ += std::max(0, cfg.seeds - 1);
      }
    grid_threads_ = threads_per_job(jobs, grid_items_);
    seed_threads_ = threads_per_job(jobs, seed_items_);
  }

  // The reference embeddings (fix-m0's, version 0's space): no fit starts before.
  void start(const Compat0& ref) {
    const std::lock_guard<std::mutex> lock(mu_);
    if (ref_) return;
    ref_ = ref;
    grid_left_.assign(work_.size(), 0);
    for (size_t i = 0; i < work_.size(); ++i) {
      ConsumerWork& w = work_[i];
      if (w.result) continue;
      const int64_t width = ExampleFeatures(*w.task, w.train, *ref_, 0).width();
      for (const int64_t h : cfg_.hidden)
        for (const double p : cfg_.dropout) w.grid.push_back({width, h, p});
      w.grid_fits.resize(w.grid.size());
      grid_left_[i] = w.grid.size();
      for (size_t g = 0; g < w.grid.size(); ++g) ready_.push_back({i, g, false, cost(w, g)});
    }
    progress_.emplace("experiment: consumer trainings", grid_items_ + seed_items_);
  }
  // Runs one fit; waits while fits in flight may make one ready. False when
  // none is left that could start (or before start, or after a failure).
  bool run_one() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!ref_ || failed_) return false;
      if (!ready_.empty()) break;
      if (in_flight_ == 0) return false;
      changed_.wait(lock);
    }
    const auto best = std::max_element(ready_.begin(), ready_.end(),
                                       [](const Item& a, const Item& b) { return a.cost < b.cost; });
    const Item it = *best;
    ready_.erase(best);
    ++in_flight_;
    lock.unlock();
    ConsumerWork& w = work_[it.work];
    try {
      const ScopedThreads share(it.seed ? seed_threads_ : grid_threads_);
      if (it.seed) w.seed_fits[it.index] = fit_consumer(w, w.grid[w.chosen], it.index + 1, *ref_, cfg_);
      else w.grid_fits[it.index] = fit_consumer(w, w.grid[it.index], 0, *ref_, cfg_);
    } catch (...) {
      lock.lock();
      --in_flight_;
      failed_ = true;
      changed_.notify_all();
      throw;
    }
    lock.lock();
    --in_flight_;
    const ConsumerConfig& cc = it.seed ? w.grid[w.chosen] : w.grid[it.index];
    progress_->step(++finished_, w.task->name + " hidden " + std::to_string(cc.hidden) + " dropout " +
                                     std::to_string(cc.dropout).substr(0, 4) + " seed " +
                                     std::to_string(it.seed ? it.index + 1 : 0));
    if (!it.seed && --grid_left_[it.work] == 0) choose(it.work);
    changed_.notify_all();
    return true;
  }

  // Runs the fits left, up to `jobs` at once, and writes each task's consumers.
  void finish(const Compat0& ref) {
    start(ref);
    const int n = effective_jobs(jobs_);
    run_jobs(n, n, nullptr, [&](int64_t) {
      while (run_one()) {
      }
    });
    for (ConsumerWork& w : work_)
      if (!w.result) save(w);
  }

 private:
  struct Item {
    size_t work, index;  // index: grid entry, or seed - 1
    bool seed;
    double cost;
  };
  static double cost(const ConsumerWork& w, size_t g) {
    return static_cast<double>(w.train.size()) * static_cast<double>(w.grid[g].hidden);
  }
  // Picks the task's configuration by selection ROC-AUC and makes its other seeds ready; holds mu_.
  void choose(size_t i) {
    ConsumerWork& w = work_[i];
    double best = -1;
    for (size_t g = 0; g < w.grid.size(); ++g)
      if (w.grid_fits[g].selection_auc > best) {
        best = w.grid_fits[g].selection_auc;
        w.chosen = g;
      }
    w.seed_fits.resize(static_cast<size_t>(std::max(0, cfg_.seeds - 1)));
    for (size_t s = 0; s < w.seed_fits.size(); ++s) ready_.push_back({i, s, true, cost(w, w.chosen)});
  }
  void save(ConsumerWork& w) {
    make_dirs(w.dir);
    Consumers c;
    c.config = w.grid[w.chosen];
    nlohmann::json grid = nlohmann::json::array();
    for (size_t g = 0; g < w.grid.size(); ++g)
      grid.push_back({{"hidden", w.grid[g].hidden},
                      {"dropout", w.grid[g].dropout},
                      {"selection_auc", w.grid_fits[g].selection_auc},
                      {"best_epoch", w.grid_fits[g].best_epoch}});
    nlohmann::json seeds = nlohmann::json::array();
    for (int s = 0; s < cfg_.seeds; ++s) {
      TrainedConsumer& t = s == 0 ? w.grid_fits[w.chosen] : w.seed_fits[static_cast<size_t>(s - 1)];
      write_file_atomic(w.dir + "/seed" + std::to_string(s) + ".pt", save_consumer(t.model));
      seeds.push_back({{"seed", s}, {"selection_auc", t.selection_auc}, {"best_epoch", t.best_epoch}});
      c.models.push_back(t.model);
    }
    c.info = {{"task", w.task->name},
              {"fingerprint", w.fingerprint},
              {"input_dim", c.config.input_dim},
              {"hidden", c.config.hidden},
              {"dropout", c.config.dropout},
              {"epochs", cfg_.consumer_epochs},
              {"train_examples", w.train.size()},
              {"train_examples_available", w.train_available},
              {"train_positive_rate", w.train.positive_rate()},
              {"selection_version", w.task->selection_version},
              {"selection_examples", w.select.size()},
              {"grid", grid},
              {"seeds", seeds}};
    write_file_atomic(w.dir + "/consumer.json", c.info.dump(1));
    w.result = std::move(c);
    w.grid_fits.clear();
    w.seed_fits.clear();
  }

  std::vector<ConsumerWork>& work_;
  const ExperimentConfig& cfg_;
  const int jobs_;
  int64_t grid_items_ = 0, seed_items_ = 0;
  int grid_threads_ = 1, seed_threads_ = 1;
  std::mutex mu_;
  std::condition_variable changed_;
  std::optional<Compat0> ref_;
  std::vector<Item> ready_;
  std::vector<size_t> grid_left_;  // per task: grid fits not done yet
  int in_flight_ = 0;
  bool failed_ = false;
  int64_t finished_ = 0;
  std::optional<Progress> progress_;
};

struct Score {
  double mean = kNaN, std = kNaN;
};

double mean_of(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (const double x : v)
    if (!std::isnan(x)) {
      s += x;
      ++n;
    }
  return n ? s / n : kNaN;
}

// What one evaluation's noise is next to the intended numbers: no-bc's
// Recall@K per version 1..K-1 with its standard error over the validation
// users, relative to its value. JSON arrays (null where unknown); empty when
// any is unknown (metrics written before the error was recorded, under two
// users) or a recall is 0 (no relative error).
std::string noise_note(const nlohmann::json& recall, const nlohmann::json& se, const nlohmann::json& users, int k) {
  std::string pct, counts;
  for (size_t v = 1; v < recall.size(); ++v) {
    if (!recall[v].is_number() || v >= se.size() || !se[v].is_number() || recall[v].get<double>() <= 0) return "";
    pct += (pct.empty() ? "" : ", ") + fmt(100.0 * se[v].get<double>() / recall[v].get<double>(), 0);
    if (v < users.size() && users[v].is_number())
      counts += (counts.empty() ? "" : ", ") + std::to_string(static_cast<int64_t>(users[v].get<double>()));
  }
  if (pct.empty()) return "";
  const std::string at = recall.size() == 2 ? "version 1" : "versions 1.." + std::to_string(recall.size() - 1);
  return "Validation noise: no-bc's Recall@" + std::to_string(k) + " at " + at +
         (counts.empty() ? "" : " was measured on " + counts + " users, and") + " has a standard error of " + pct +
         "% of its value (over the users; another draw of as many users would move it that much). Intended "
         "differences of that size are one evaluation's noise, and each fit keeps its best-scoring epoch, which "
         "favours fits with more epochs to choose from.\n";
}

// Per strategy and version: what the three plots show (mean, std over seeds).
struct PlotRow {
  std::string strategy;
  std::vector<MeanStd> recall, unintended, alignment;
};

nlohmann::json write_plots(const std::vector<PlotRow>& rows, int primary_k, const std::string& out) {
  LinePlot recall{"Intended task: Recall@" + std::to_string(primary_k) + " per version", "version",
                  "Recall@" + std::to_string(primary_k), {}};
  LinePlot unint{"Unintended tasks: mean consumer ROC-AUC (version-0 consumers)", "version", "mean ROC-AUC", {}};
  LinePlot align{"Alignment error to fix-m0 in version 0's space", "version", "mean L2 distance", {}};
  bool spread = false;
  for (const auto& r : rows)
    for (const auto& m : r.recall) spread = spread || m.n > 1;
  auto series = [&](const std::string& name, const std::vector<MeanStd>& v, int first) {
    Series s{name, {}, {}, {}};
    for (size_t k = static_cast<size_t>(first); k < v.size(); ++k) {
      s.x.push_back(static_cast<double>(k));
      s.y.push_back(v[k].n > 0 ? v[k].mean : kNaN);
      if (spread) s.err.push_back(v[k].std);
    }
    return s;
  };
  for (const auto& r : rows) {
    recall.series.push_back(series(r.strategy, r.recall, 0));
    unint.series.push_back(series(r.strategy, r.unintended, 1));
    align.series.push_back(series(r.strategy, r.alignment, 1));
  }
  nlohmann::json plots = nlohmann::json::array();
  for (const auto& [stem, plot] : {std::make_pair("recall", recall), std::make_pair("unintended_auc", unint),
                                   std::make_pair("alignment_error", align)}) {
    std::string why;
    if (render_plot(plot, out + "/" + stem, &why)) plots.push_back(std::string(stem) + ".png");
    else log_line("[experiment] plot " + std::string(stem) + ": " + why);
  }
  return plots;
}

}  // namespace

nlohmann::json run_experiment(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                              const ExperimentConfig& cfg, const std::string& out) {
  const auto t0 = std::chrono::steady_clock::now();
  if (cfg.hidden.empty() || cfg.dropout.empty() || cfg.seeds <= 0 || cfg.consumer_epochs <= 0)
    throw Error("experiment: the consumer grid, seeds and epochs must be non-empty/positive");
  if (cfg.consumer_max_examples < 0) throw Error("experiment: --consumer-max-examples must be >= 0 (0 = all)");
  make_dirs(out);
  std::vector<std::string> names = cfg.strategies.empty() ? paper_strategies() : cfg.strategies;
  for (const char* required : {"fix-m0", "no-bc"})
    if (std::find(names.begin(), names.end(), required) == names.end()) names.insert(names.begin(), required);

  Workbench wb(ds, slices, train, out + "/cache");
  const int K = static_cast<int>(wb.versions().size());

  // The consumers' work: trained once on version 0 (fix-m0's run: version 0
  // is shared by all), beside the strategies as their workers run out of runs.
  const TaskSet tasks(ds, wb.versions());
  // The last entry names the consumers' training procedure: saved consumers
  // trained another way (before dropout masks came from the model's own
  // stream) are retrained, not mixed with new ones.
  nlohmann::json consumer_fp = {wb.fingerprint(), cfg.hidden, cfg.dropout, cfg.consumer_epochs, cfg.seeds,
                                cfg.consumer_batch, "training-2"};
  const std::vector<TaskDef>& defs = tasks.tasks();
  std::vector<ConsumerWork> work;
  std::vector<std::string> skip_reason(defs.size());
  std::vector<int> work_of(defs.size(), -1);
  for (size_t t = 0; t < defs.size(); ++t) {
    const TaskDef& task = defs[t];
    ConsumerWork w;
    w.task = &task;
    const TaskExamples all = tasks.train(task.name);
    w.train_available = all.size();
    w.train = sample_examples(all, static_cast<size_t>(cfg.consumer_max_examples), Rng::mix(fnv1a64(task.name), 79));
    w.select = tasks.at(task.name, task.selection_version);
    std::string why = unusable(w.train);
    if (why.empty()) why = unusable(w.select);
    if (why.empty() && task.first_eval_version >= K) why = "no version to evaluate";
    if (!why.empty()) {
      skip_reason[t] = why;
      continue;
    }
    w.dir = out + "/consumers/" + task_dir_name(task.name);
    work_of[t] = static_cast<int>(work.size());
    work.push_back(std::move(w));
  }
  // The example cap enters a task's fingerprint only where it cuts the task,
  // so that consumers saved before it existed (all of small data's) are reused.
  for (ConsumerWork& w : work) {
    nlohmann::json fp = consumer_fp;
    if (w.train.size() < w.train_available) fp.push_back({{"max_examples", cfg.consumer_max_examples}});
    w.fingerprint = fnv1a64_hex(fp.dump());
    w.result = load_saved(*w.task, cfg, w.dir, w.fingerprint);
  }
  ConsumerTrainer consumers(work, cfg, train.jobs);

  // 1. The intended task: every strategy.
  std::vector<StrategyResult> results;
  {
    std::vector<StrategySpec> specs;
    std::vector<std::string> dirs;
    for (const auto& n : names) {
      specs.push_back(parse_strategy(n));
      dirs.push_back(out + "/runs/" + specs.back().name);
    }
    Progress progress("experiment: strategies", static_cast<int64_t>(names.size()));
    int64_t finished = 0;
    results = wb.run_all(
        specs, dirs, cfg.force,
        [&](size_t i) {
          progress.step(++finished, specs[i].name + " done");
          if (specs[i].name == "fix-m0") consumers.start(load_compat0(dirs[i]));
        },
        [&] { return consumers.run_one(); });
  }
  const auto intended = intended_comparison(results, train.primary_k);

  // 2. The consumers: those left, then each task's evaluation on every strategy's embeddings.
  std::map<std::string, Compat0> emb;
  for (const auto& r : results) emb[r.strategy] = load_compat0(out + "/runs/" + r.strategy);
  consumers.finish(emb.at("fix-m0"));
  // auc[strategy][task][version]
  std::map<std::string, std::map<std::string, std::vector<Score>>> auc;

  struct TaskOutcome {
    std::string skipped;  // why the task was not evaluated ("" = it was)
    nlohmann::json info;
    std::map<std::string, std::vector<Score>> auc;  // [strategy][version]
  };
  std::vector<TaskOutcome> outcomes(defs.size());
  Progress progress("experiment: consumers", static_cast<int64_t>(defs.size()));
  int64_t finished = 0;
  std::mutex progress_mu;
  run_parallel_jobs(train.jobs, static_cast<int64_t>(defs.size()), [&](int64_t t) {
    const TaskDef& task = defs[static_cast<size_t>(t)];
    TaskOutcome& o = outcomes[static_cast<size_t>(t)];
    o.skipped = skip_reason[static_cast<size_t>(t)];
    std::string message = task.name + " skipped: " + o.skipped;
    if (o.skipped.empty()) {
      Consumers& c = *work[static_cast<size_t>(work_of[static_cast<size_t>(t)])].result;
      o.info = c.info;
      o.info["input"] = task.input == TaskInput::Edge ? "edge" : (task.input == TaskInput::User ? "user" : "item");
      o.info["first_eval_version"] = task.first_eval_version;
      o.info["skipped_versions"] = nlohmann::json::array();
      for (const auto& r : results) o.auc[r.strategy].assign(static_cast<size_t>(K), Score{});
      for (int k = task.first_eval_version; k < K; ++k) {
        const TaskExamples ex = tasks.at(task.name, k);
        const std::string bad = unusable(ex);
        if (!bad.empty()) {
          o.info["skipped_versions"].push_back({{"version", k}, {"reason", bad}});
          continue;
        }
        for (const auto& r : results) {
          const ExampleFeatures x(task, ex, emb.at(r.strategy), k);
          std::vector<double> per_seed;
          for (auto& m : c.models) per_seed.push_back(roc_auc(predict(m, x), ex.labels));
          Score sc;
          sc.mean = mean_of(per_seed);
          double var = 0;
          for (const double a : per_seed) var += (a - sc.mean) * (a - sc.mean);
          sc.std = per_seed.size() > 1 ? std::sqrt(var / static_cast<double>(per_seed.size() - 1)) : 0.0;
          o.auc[r.strategy][static_cast<size_t>(k)] = sc;
        }
      }
      message = task.name + " (hidden " + std::to_string(c.config.hidden) + ", dropout " +
                std::to_string(c.config.dropout).substr(0, 4) + ")";
    }
    const std::lock_guard<std::mutex> lock(progress_mu);
    progress.step(++finished, message);
  });
  nlohmann::json task_info = nlohmann::json::array();
  nlohmann::json skipped = nlohmann::json::array();
  for (size_t t = 0; t < defs.size(); ++t) {
    if (!outcomes[t].skipped.empty()) {
      skipped.push_back({{"task", defs[t].name}, {"reason", outcomes[t].skipped}});
      continue;
    }
    task_info.push_back(outcomes[t].info);
    for (auto& [strategy, scores] : outcomes[t].auc) auc[strategy][defs[t].name] = std::move(scores);
  }

  // 3. Aggregate: per task mean over evaluated versions, degradation vs fix-m0, then over tasks.
  std::vector<std::string> task_names;
  for (const auto& t : task_info) task_names.push_back(t["task"]);
  std::map<std::string, std::map<std::string, double>> task_mean;
  for (const auto& r : results)
    for (const auto& t : task_names) {
      std::vector<double> v;
      for (const auto& s : auc[r.strategy][t]) v.push_back(s.mean);
      task_mean[r.strategy][t] = mean_of(v);
    }
  nlohmann::json strategies = nlohmann::json::array();
  Table summary;
  summary.header = {"strategy", "intended degradation vs no-bc (%)", "unintended degradation vs fix-m0 (%)", "sum (%)",
                    "alignment error"};
  Table per_task;
  per_task.header = {"strategy"};
  for (const auto& t : task_names) per_task.header.push_back(t);
  std::map<std::string, std::vector<double>> auc_per_version;  // mean over tasks, per version
  std::string noise;  // noise_note of no-bc, when it ran
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string& s = results[i].strategy;
    std::vector<double> degs;
    nlohmann::json per = nlohmann::json::object();
    std::vector<std::string> cells{s};
    for (const auto& t : task_names) {
      const double base = task_mean["fix-m0"][t], mine = task_mean[s][t];
      const double deg = (mine - base) / base * 100.0;
      if (!std::isnan(deg)) degs.push_back(deg);
      nlohmann::json versions = nlohmann::json::array();
      for (int k = 0; k < K; ++k) {
        const Score& sc = auc[s][t][static_cast<size_t>(k)];
        versions.push_back({{"version", k}, {"auc", json_number(sc.mean)}, {"std", json_number(sc.std)}});
      }
      per[t] = {{"mean_auc", json_number(mine)}, {"degradation_vs_fix_m0_pct", json_number(deg)}, {"per_version", versions}};
      cells.push_back(fmt(mine, 4));
    }
    per_task.rows.push_back(cells);
    std::vector<double> by_version;
    for (int k = 0; k < K; ++k) {
      std::vector<double> v;
      for (const auto& t : task_names) v.push_back(auc[s][t][static_cast<size_t>(k)].mean);
      by_version.push_back(mean_of(v));
    }
    auc_per_version[s] = by_version;
    const double unintended = mean_of(degs);
    const IntendedRow& ir = intended[i];
    nlohmann::json recall_se = nlohmann::json::array(), val_users = nlohmann::json::array();
    for (const auto& v : results[i].versions) {
      const auto it = v.fit.recall.se.find(train.primary_k);
      recall_se.push_back(it == v.fit.recall.se.end() ? nlohmann::json(nullptr) : json_number(it->second));
      val_users.push_back(v.fit.recall.users);
    }
    if (s == "no-bc") noise = noise_note(ir.recall, recall_se, val_users, train.primary_k);
    const double sum = ir.degradation_pct + unintended;
    summary.rows.push_back({s, fmt_signed(ir.degradation_pct), fmt_signed(unintended), fmt_signed(sum),
                            fmt(ir.mean_alignment_error, 3)});
    strategies.push_back({{"strategy", s},
                          {"intended_degradation_pct", json_number(ir.degradation_pct)},
                          {"unintended_degradation_pct", json_number(unintended)},
                          {"sum_pct", json_number(sum)},
                          {"alignment_error", json_number(ir.mean_alignment_error)},
                          {"recall_per_version", ir.recall},
                          {"recall_se_per_version", recall_se},
                          {"validation_users_per_version", val_users},
                          {"alignment_error_per_version", ir.alignment_error},
                          {"mean_unintended_auc_per_version", by_version},
                          {"tasks", per},
                          {"train_seconds", results[i].seconds}});
  }
  const Table intended_t = intended_table(intended, train.primary_k);
  std::string md = "# bcemb experiment: " + ds.name + "\n\n" + summary.to_markdown() +
                   "\nIntended: Recall@" + std::to_string(train.primary_k) +
                   " on each version's next time slice; degradation averaged over versions 1.." +
                   std::to_string(K - 1) + ". Unintended: ROC-AUC of consumers trained once on version 0, per task "
                   "averaged over its evaluated versions, relative to fix-m0, then averaged over tasks. Alignment "
                   "error: mean L2 distance to fix-m0's embeddings in version 0's space.\n\n" + noise +
                   (noise.empty() ? "" : "\n") + "## Intended task\n\n" +
                   intended_t.to_markdown() + "\n## Unintended tasks: mean ROC-AUC over evaluated versions\n\n" +
                   per_task.to_markdown();
  if (!skipped.empty()) {
    md += "\n## Skipped tasks\n\n";
    for (const auto& s : skipped) md += "- " + s["task"].get<std::string>() + ": " + s["reason"].get<std::string>() + "\n";
  }
  write_file_atomic(out + "/table.md", md);
  write_file_atomic(out + "/table.csv", summary.to_csv());

  // 4. Plots.
  nlohmann::json plots = nlohmann::json::array();
  if (cfg.plots) {
    std::vector<PlotRow> rows;
    for (size_t i = 0; i < results.size(); ++i) {
      PlotRow r{results[i].strategy, {}, {}, {}};
      for (int k = 0; k < K; ++k) {
        r.recall.push_back({intended[i].recall[static_cast<size_t>(k)], 0, 1});
        r.unintended.push_back({auc_per_version[results[i].strategy][static_cast<size_t>(k)], 0, 1});
        r.alignment.push_back({intended[i].alignment_error[static_cast<size_t>(k)], 0, 1});
      }
      rows.push_back(std::move(r));
    }
    plots = write_plots(rows, train.primary_k, out);
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json j{{"data", {{"name", ds.name}, {"users", ds.num_users()}, {"items", ds.num_items()},
                             {"interactions", ds.interactions.size()}}},
                   {"slices", slices.describe()},
                   {"versions", K},
                   {"consumer", {{"hidden", cfg.hidden}, {"dropout", cfg.dropout}, {"epochs", cfg.consumer_epochs},
                                 {"seeds", cfg.seeds}}},
                   {"strategies", strategies},
                   {"intended", intended_json(intended, train.primary_k)},
                   {"tasks", task_info},
                   {"skipped_tasks", skipped},
                   {"plots", plots},
                   {"seconds", seconds}};
  write_file_atomic(out + "/results.json", j.dump(2));
  return j;
}

nlohmann::json run_experiment_seeds(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                                    const ExperimentConfig& cfg, const std::vector<uint64_t>& seeds,
                                    const std::string& out) {
  if (seeds.empty()) throw Error("--train-seeds: give at least one seed");
  if (seeds.size() == 1) {
    TrainConfig t = train;
    t.seed = seeds[0];
    return run_experiment(ds, slices, t, cfg, out);
  }
  const auto t0 = std::chrono::steady_clock::now();
  make_dirs(out);
  std::vector<nlohmann::json> per_seed;
  nlohmann::json seed_dirs = nlohmann::json::array();
  for (const uint64_t seed : seeds) {
    TrainConfig t = train;
    t.seed = seed;
    const std::string dir = "seed" + std::to_string(seed);
    log_line("[experiment] training seed " + std::to_string(seed) + " -> " + out + "/" + dir);
    per_seed.push_back(run_experiment(ds, slices, t, cfg, out + "/" + dir));
    seed_dirs.push_back(dir);
  }
  std::vector<nlohmann::json> strategies;
  for (const auto& r : per_seed) strategies.push_back(r.at("strategies"));
  std::vector<std::string> task_names;
  for (const auto& t : per_seed[0].at("tasks")) task_names.push_back(t.at("task").get<std::string>());
  std::vector<std::string> fields = {"/intended_degradation_pct", "/unintended_degradation_pct", "/sum_pct",
                                     "/alignment_error", "/recall_per_version", "/alignment_error_per_version",
                                     "/mean_unintended_auc_per_version", "/recall_se_per_version"};
  for (const auto& t : task_names) {
    fields.push_back("/tasks" + pointer_step(t) + "/mean_auc");
    fields.push_back("/tasks" + pointer_step(t) + "/degradation_vs_fix_m0_pct");
  }
  const nlohmann::json agg = aggregate_seeds(strategies, fields);

  auto cell = [](const nlohmann::json& f, int decimals, bool sign) { return fmt_mean_std(mean_std_of(f), decimals, sign); };
  Table summary;
  summary.header = {"strategy", "intended degradation vs no-bc (%)", "unintended degradation vs fix-m0 (%)", "sum (%)",
                    "alignment error"};
  Table per_task;
  per_task.header = {"strategy"};
  for (const auto& t : task_names) per_task.header.push_back(t);
  std::vector<PlotRow> rows;
  std::string noise;  // no-bc's, from the means over seeds
  for (const auto& a : agg) {
    if (a.at("strategy") == "no-bc") {
      nlohmann::json users = nlohmann::json::array();
      for (const auto& st : per_seed[0].at("strategies"))
        if (st.at("strategy") == "no-bc") users = st.value("validation_users_per_version", nlohmann::json::array());
      noise = noise_note(a.at("recall_per_version").at("mean"), a.at("recall_se_per_version").at("mean"), users,
                         train.primary_k);
    }
    summary.rows.push_back({a.at("strategy"), cell(a.at("intended_degradation_pct"), 1, true),
                            cell(a.at("unintended_degradation_pct"), 1, true), cell(a.at("sum_pct"), 1, true),
                            cell(a.at("alignment_error"), 3, false)});
    std::vector<std::string> cells{a.at("strategy")};
    for (const auto& t : task_names) {
      const std::string key = "tasks" + pointer_step(t) + "/mean_auc";
      cells.push_back(cell(a.at(key), 4, false));
    }
    per_task.rows.push_back(cells);
    PlotRow r{a.at("strategy"), {}, {}, {}};
    auto vec = [&](const char* key) {
      std::vector<MeanStd> v;
      const auto& f = a.at(key);
      for (size_t k = 0; k < f.at("mean").size(); ++k) {
        const nlohmann::json& m = f.at("mean")[k];
        const nlohmann::json& sd = f.at("std")[k];
        v.push_back(m.is_number() ? MeanStd{m.get<double>(), sd.is_number() ? sd.get<double>() : 0.0, f.at("n").get<int>()}
                                  : MeanStd{kNaN, kNaN, 0});
      }
      return v;
    };
    r.recall = vec("recall_per_version");
    r.unintended = vec("mean_unintended_auc_per_version");
    r.alignment = vec("alignment_error_per_version");
    rows.push_back(std::move(r));
  }
  std::string seeds_txt;
  for (const uint64_t s : seeds) seeds_txt += (seeds_txt.empty() ? "" : ", ") + std::to_string(s);
  const std::string md = "# bcemb experiment: " + ds.name + ", training seeds " + seeds_txt + "\n\n" +
                         "Each cell: mean ± standard deviation over the " + std::to_string(seeds.size()) +
                         " training seeds (each seed's tables: " + seed_dirs[0].get<std::string>() +
                         "/table.md, ...). Definitions as in a single-seed table.\n\n" + summary.to_markdown() +
                         (noise.empty() ? "" : "\n" + noise) +
                         "\n## Unintended tasks: mean ROC-AUC over evaluated versions\n\n" + per_task.to_markdown();
  write_file_atomic(out + "/table.md", md);
  write_file_atomic(out + "/table.csv", summary.to_csv());
  const nlohmann::json plots = cfg.plots ? write_plots(rows, train.primary_k, out) : nlohmann::json::array();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json j{{"data", per_seed[0].at("data")},
                   {"slices", per_seed[0].at("slices")},
                   {"versions", per_seed[0].at("versions")},
                   {"train_seeds", seeds},
                   {"seed_runs", seed_dirs},
                   {"strategies", agg},
                   {"tasks", task_names},
                   {"plots", plots},
                   {"seconds", seconds}};
  write_file_atomic(out + "/results.json", j.dump(2));
  return j;
}

nlohmann::json run_sweep(const Dataset& ds, const SliceSpec& slices, const TrainConfig& train,
                         const ExperimentConfig& config, const std::vector<uint64_t>& seeds, const std::string& base,
                         const std::vector<std::string>& settings, const std::string& out) {
  if (settings.empty()) throw Error("sweep: give the settings to sweep (--lambda, --max-alignment, --max-intended-loss, --max-recall-loss or "
                                    "--max-mean-recall-loss)");
  ExperimentConfig cfg = config;
  if (cfg.strategies.empty()) cfg.strategies = paper_strategies();
  for (const auto& setting : settings) cfg.strategies.push_back(parse_strategy(base + "@" + setting).name);
  nlohmann::json j = run_experiment_seeds(ds, slices, train, cfg, seeds, out);
  // Single-seed figures are numbers, aggregated ones {mean, std}.
  auto stat = [](const nlohmann::json& f) {
    if (f.is_object()) return mean_std_of(f);
    return f.is_number() ? MeanStd{f.get<double>(), 0, 1} : MeanStd{kNaN, kNaN, 0};
  };
  std::vector<std::pair<double, double>> points;
  ScatterPlot plot{"Intended vs unintended degradation (higher is better on both)", "intended degradation vs no-bc (%)",
                   "unintended degradation vs fix-m0 (%)", {}};
  for (const auto& s : j.at("strategies")) {
    const MeanStd x = stat(s.at("intended_degradation_pct")), y = stat(s.at("unintended_degradation_pct"));
    points.emplace_back(x.n > 0 ? x.mean : kNaN, y.n > 0 ? y.mean : kNaN);
    if (x.n > 0 && y.n > 0) plot.points.push_back({s.at("strategy"), x.mean, y.mean, x.std, y.std});
  }
  const auto front = pareto_front(points);
  Table t;
  t.header = {"strategy", "intended degradation vs no-bc (%)", "unintended degradation vs fix-m0 (%)", "Pareto front"};
  nlohmann::json pareto = nlohmann::json::array();
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& s = j.at("strategies")[i];
    t.rows.push_back({s.at("strategy"), fmt_mean_std(stat(s.at("intended_degradation_pct")), 1, true),
                      fmt_mean_std(stat(s.at("unintended_degradation_pct")), 1, true), front[i] ? "yes" : ""});
    if (front[i]) pareto.push_back(s.at("strategy"));
  }
  write_file_atomic(out + "/sweep.md", "# bcemb sweep: " + base + "\n\n" + t.to_markdown());
  if (cfg.plots) {
    std::string why;
    if (!render_plot(plot, out + "/pareto", &why)) log_line("[sweep] plot pareto: " + why);
  }
  j["pareto"] = pareto;
  write_file_atomic(out + "/results.json", j.dump(2));
  return j;
}

nlohmann::json evaluate_saved_consumers(const Dataset& ds, const SliceSpec& slices, const std::string& dir,
                                        const std::string& task_name, int version, const EmbeddingTable* users,
                                        const EmbeddingTable* items) {
  const auto versions = make_versions(ds, slices);
  const TaskSet tasks(ds, versions);
  const TaskDef& task = tasks.task(task_name);
  const std::string cdir = dir + "/consumers/" + task_dir_name(task_name);
  const std::string meta_path = cdir + "/consumer.json";
  if (!path_exists(meta_path)) throw Error(meta_path + ": no saved consumer for task " + task_name);
  const auto meta = nlohmann::json::parse(read_file(meta_path));
  const ConsumerConfig config{meta.at("input_dim").get<int64_t>(), meta.at("hidden").get<int64_t>(),
                              meta.at("dropout").get<double>()};
  const TaskExamples ex = tasks.at(task_name, version);
  // Place the given rows at the dataset's node indices.
  auto place = [&](const EmbeddingTable* t, int64_t n, const char* what) {
    if (t == nullptr) throw Error("task " + task_name + " needs " + what + " embeddings");
    if (static_cast<int64_t>(t->ids.size()) != t->rows.rows)
      throw Error(std::string(what) + " embeddings: " + std::to_string(t->ids.size()) + " ids for " +
                  std::to_string(t->rows.rows) + " rows");
    const auto& names = std::string(what) == "user" ? ds.user_ids : ds.item_ids;
    std::unordered_map<std::string, int64_t> at;
    for (size_t i = 0; i < t->ids.size(); ++i) at.emplace(t->ids[i], static_cast<int64_t>(i));
    Matrix m(n, t->rows.cols);
    std::vector<char> known(static_cast<size_t>(n), 0);
    for (int64_t node = 0; node < n; ++node) {
      const auto it = at.find(names[node]);
      if (it == at.end()) continue;
      std::copy_n(t->rows.row(it->second), m.cols, m.row(node));
      known[node] = 1;
    }
    return std::make_pair(m, known);
  };
  Compat0 emb;
  emb.users.resize(static_cast<size_t>(version) + 1);
  emb.items.resize(static_cast<size_t>(version) + 1);
  std::vector<char> known_users, known_items;
  const Version& v = versions.at(static_cast<size_t>(version));
  if (task.input != TaskInput::Item) std::tie(emb.users[version], known_users) = place(users, v.num_users, "user");
  if (task.input != TaskInput::User) std::tie(emb.items[version], known_items) = place(items, v.num_items, "item");
  for (size_t r = 0; r < ex.size(); ++r) {
    if (task.input != TaskInput::Item && !known_users[ex.nodes[r]])
      throw Error("no embedding for user '" + ds.user_ids[ex.nodes[r]] + "' needed by task " + task_name);
    const int32_t item = task.input == TaskInput::Edge ? ex.items[r] : ex.nodes[r];
    if (task.input != TaskInput::User && !known_items[item])
      throw Error("no embedding for item '" + ds.item_ids[item] + "' needed by task " + task_name);
  }
  const ExampleFeatures x(task, ex, emb, version);
  nlohmann::json per_seed = nlohmann::json::array();
  std::vector<double> aucs;
  for (int s = 0; s < static_cast<int>(meta.at("seeds").size()); ++s) {
    const std::string f = cdir + "/seed" + std::to_string(s) + ".pt";
    ConsumerMlp m = load_consumer(config, read_file(f), f);
    aucs.push_back(roc_auc(predict(m, x), ex.labels));
    per_seed.push_back(aucs.back());
  }
  return {{"task", task_name}, {"version", version}, {"examples", ex.size()}, {"auc", mean_of(aucs)},
          {"auc_per_seed", per_seed}};
}

}  // namespace bcemb
