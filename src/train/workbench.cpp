#include "bcemb/train/workbench.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "bcemb/compat/alignment.h"
#include "bcemb/compat/transform.h"
#include "bcemb/dist/collective.h"
#include "bcemb/eval/alignment_error.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/report/intended.h"
#include "bcemb/train/version_fit.h"
#include "bcemb/util/error.h"
#include "bcemb/util/gemm.h"
#include "bcemb/util/hash.h"
#include "bcemb/util/progress.h"
#include "bcemb/util/rng.h"
#include "bcemb/util/threads.h"

namespace bcemb {

namespace {

// This process's GEMM kernel as a 52-bit hash of its name (exact in a double).
uint64_t kernel_key() { return fnv1a64(gemm_kernel()) >> 12; }

// The GEMM kernels the ranks run, each once: each rank sends its key in its
// slot of a sum.
std::string kernels_of_ranks(dist::Collective& c) {
  auto t = torch::zeros({c.world_size()}, torch::kDouble);
  t[c.rank()] = static_cast<double>(kernel_key());
  c.allreduce_sum(t);
  std::set<uint64_t> kernels;
  for (int r = 0; r < c.world_size(); ++r) kernels.insert(static_cast<uint64_t>(t[r].item<double>()));
  std::string out;
  for (const uint64_t k : kernels) out += std::to_string(k) + ",";
  return out;
}

struct TrainedModel {
  PinSage model{nullptr};
  FitResult fit;
};

Matrix rows_to_matrix(const torch::Tensor& z, int64_t begin, int64_t count) {
  return to_matrix(z.narrow(0, begin, count));
}

// Moves a complete run from `staging` (inside dir) into dir: the old
// run.json goes first (from then on dir holds an incomplete run, as during
// any rewrite), then each v<k> replaces its namesake, v<k> folders of an
// older run with more versions are removed, and run.json comes last. Other
// files in dir are left alone. Renames within one folder: no copies.
void install_run(const std::string& staging, const std::string& dir, int versions) {
  namespace fs = std::filesystem;
  fs::remove(dir + "/run.json");
  for (int k = 0;; ++k) {
    const std::string name = "/v" + std::to_string(k);
    if (k < versions) {
      fs::remove_all(dir + name);
      fs::rename(staging + name, dir + name);
    } else if (fs::exists(dir + name)) {
      fs::remove_all(dir + name);
    } else {
      break;
    }
  }
  fs::rename(staging + "/run.json", dir + "/run.json");
  fs::remove_all(staging);
  fsync_dir(dir);
}

}  // namespace

struct Workbench::Impl {
  const Dataset& ds;
  SliceSpec slices;
  TrainConfig config;
  std::string cache_dir;
  std::vector<Version> versions;
  InputSchema schema;
  std::string fingerprint;
  std::vector<std::unique_ptr<VersionGraph>> graphs;
  std::optional<TrainedModel> m0;
  std::vector<torch::Tensor> m0_emb;
  std::map<int, TrainedModel> nobc;
  // Concurrent runs (run_all) share M_0 and the from-scratch models: their
  // uses (inference switches a model to eval mode and back) take turns.
  std::mutex shared_mu;

  Impl(const Dataset& d, const SliceSpec& s, const TrainConfig& c, std::string cache)
      : ds(d), slices(s), config(c), cache_dir(std::move(cache)) {
    config.validate();
    versions = make_versions(ds, slices);
    schema = InputSchema::from_dataset(ds, config.item_id_feature);
    graphs.resize(versions.size());
    m0_emb.resize(versions.size());
    nlohmann::json f;
    f["data"] = {ds.name, ds.interactions.size(), ds.num_users(), ds.num_items()};
    f["slices"] = slices.describe();
    f["models"] = nlohmann::json::array();
    for (size_t k = 0; k < versions.size(); ++k) f["models"].push_back({config.model_for(static_cast<int>(k)).dim,
                                                                      config.model_for(static_cast<int>(k)).layers});
    f["train"] = {config.epochs,     config.eval_every,   config.warmup_epochs, config.posthoc_epochs,
                  config.batch_size, config.plan,         config.lr,            config.transform_lr,
                  config.weight_decay, config.lambda,     config.seed,          config.item_id_feature,
                  config.lambda_ramp_epochs, config.fanout, config.eval_users, config.distill_weight};
    // Which epoch a fit keeps for the same settings: raised when that rule
    // changes (2: recall guards choose among every epoch), so older runs and
    // models are trained again rather than reused.
    f["selection"] = 2;
    const std::string settings = fnv1a64_hex(f.dump());
    // The GEMM kernel changes training's and scoring's rounding, so a model
    // or run made under another kernel is not reused. Ranks must agree on
    // the settings but may run different kernels (hosts with different
    // CPUs): the key then names each kernel the job ran.
    std::string kernels = std::to_string(kernel_key()) + ",";
    if (auto* c = dist::current()) {
      c->agree("data, versions and training settings (fingerprint)", settings);
      kernels = kernels_of_ranks(*c);
    }
    fingerprint = fnv1a64_hex(settings + "/" + kernels);
    if (!cache_dir.empty() && dist::writes_files()) make_dirs(cache_dir);
  }

  const VersionGraph& graph(int k) {
    if (!graphs[k]) graphs[k] = std::make_unique<VersionGraph>(ds, versions[k], schema);
    return *graphs[k];
  }

  PinSage new_model(int k, bool m0_arch, uint64_t salt) {
    const ModelSpec spec = config.model_for(m0_arch ? 0 : k);
    return seeded_init(Rng::mix(config.seed, salt),
                       [&] { return PinSage(PinSageConfig{spec.dim, spec.layers, schema.table_rows()}); });
  }

  int posthoc_epochs() const { return config.posthoc_epochs > 0 ? config.posthoc_epochs : config.epochs; }

  // B_k (and G_k) fitted to M_k's frozen embeddings z: a post-hoc
  // strategy's fit, and the recall guard's fallback (the same seeds, so the
  // two are the same map). Returns the map and its alignment loss.
  std::pair<BackwardTransform, double> fit_posthoc(const StrategySpec& s, const VersionGraph& vg,
                                                   const AlignmentTarget& target, torch::Tensor z, int k,
                                                   const std::string& label) {
    const int64_t d_prev = config.model_for(k - 1).dim, d = config.model_for(k).dim;
    BackwardTransform transform = seeded_init(Rng::mix(config.seed, 500 + static_cast<uint64_t>(k)),
                                              [&] { return BackwardTransform(s.transform, d_prev, d, s.gauge); });
    VersionFit f(vg, nullptr, transform, &target, config, Rng::mix(config.seed, 400 + static_cast<uint64_t>(k)),
                 std::move(z));
    const FitResult r = f.run(posthoc_epochs(), label + " B");
    return {transform, r.alignment};
  }

  // Cached shared models: <cache>/<name>.pt + <name>.json (with the fingerprint).
  // A data-parallel job trains everything: ranks need not share a file
  // system, and one rank reusing a model another trains would stall both.
  bool load_cached(const std::string& name, int k, bool m0_arch, TrainedModel& out) {
    if (cache_dir.empty() || dist::current() != nullptr) return false;
    const std::string meta = cache_dir + "/" + name + ".json", pt = cache_dir + "/" + name + ".pt";
    if (!path_exists(meta) || !path_exists(pt)) return false;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(meta));
    } catch (const nlohmann::json::exception&) {
      return false;
    }
    if (j.value("fingerprint", "") != fingerprint) return false;
    out.model = new_model(k, m0_arch, 100 + static_cast<uint64_t>(k));
    load_module(*out.model, read_file(pt), pt);
    out.fit = version_metrics_from_json(j.at("metrics"), meta).fit;
    log_line("[cache] reusing " + pt);
    return true;
  }

  void save_cached(const std::string& name, TrainedModel& m, int k) {
    if (cache_dir.empty() || !dist::writes_files()) return;
    write_file_atomic(cache_dir + "/" + name + ".pt", save_module(*m.model));
    VersionMetrics vm;
    vm.version = k;
    vm.fit = m.fit;
    nlohmann::json j{{"fingerprint", fingerprint}, {"metrics", to_json(vm)}};
    write_file_atomic(cache_dir + "/" + name + ".json", j.dump(1));
  }

  TrainedModel train_scratch(int k, const std::string& label) {
    TrainedModel t;
    t.model = new_model(k, false, 100 + static_cast<uint64_t>(k));
    VersionFit fit(graph(k), t.model, nullptr, nullptr, config, Rng::mix(config.seed, 200 + static_cast<uint64_t>(k)));
    t.fit = fit.run(config.epochs, label);
    return t;
  }

  // Version k's from-scratch BPR model (version 0: M_0), from the cache or trained.
  TrainedModel load_or_train_scratch(int k) {
    const std::string name = k == 0 ? "m0" : "nobc-v" + std::to_string(k);
    TrainedModel t;
    if (!load_cached(name, k, k == 0, t)) {
      t = train_scratch(k, k == 0 ? "v0" : "scratch v" + std::to_string(k));
      save_cached(name, t, k);
    }
    return t;
  }

  TrainedModel& get_m0() {
    if (!m0) m0 = load_or_train_scratch(0);
    return *m0;
  }

  TrainedModel& get_nobc(int k) {
    if (k == 0) return get_m0();
    auto it = nobc.find(k);
    if (it != nobc.end()) return it->second;
    return nobc.emplace(k, load_or_train_scratch(k)).first->second;
  }

  // Held while a model that concurrent runs may share is used (not held for a run's own model).
  std::unique_lock<std::mutex> lock_if_shared(bool shared) {
    return shared ? std::unique_lock<std::mutex>(shared_mu) : std::unique_lock<std::mutex>();
  }

  torch::Tensor embed(PinSage& model, const VersionGraph& vg, bool shared) {
    const auto lock = lock_if_shared(shared);
    return embed_all(model, vg);
  }

  const torch::Tensor& m0_embeddings(int k) {
    if (!m0_emb[k].defined()) m0_emb[k] = embed_all(get_m0().model, graph(k));
    return m0_emb[k];
  }

  FitResult evaluate_only(const torch::Tensor& z, int k) {
    const VersionGraph& vg = graph(k);
    FitResult f;
    f.recall = recall_of(z, vg, vg.val, config.ks);
    return f;
  }

  nlohmann::json manifest(const StrategySpec& s, bool complete, double seconds) const {
    nlohmann::json j;
    j["format"] = "bcemb-run/1";
    j["strategy"] = s.name;
    j["description"] = s.describe();
    j["fingerprint"] = fingerprint;
    j["complete"] = complete;
    j["seconds"] = seconds;
    j["data"] = {{"name", ds.name},
                 {"users", ds.num_users()},
                 {"items", ds.num_items()},
                 {"interactions", ds.interactions.size()}};
    j["slices"] = slices.describe();
    j["versions"] = nlohmann::json::array();
    for (size_t k = 0; k < versions.size(); ++k) {
      const ModelSpec m = config.model_for(s.uses_m0_architecture() ? 0 : static_cast<int>(k));
      j["versions"].push_back({{"index", k},
                               {"dim", m.dim},
                               {"layers", m.layers},
                               {"users", versions[k].num_users},
                               {"items", versions[k].num_items}});
    }
    j["config"] = {{"epochs", config.epochs},
                   {"eval_every", config.eval_every},
                   {"warmup_epochs", config.warmup_epochs},
                   {"posthoc_epochs", posthoc_epochs()},
                   {"batch_size", config.batch_size},
                   {"plan", config.plan},
                   {"fanout", config.fanout},
                   {"eval_users", config.eval_users},
                   {"lr", config.lr},
                   {"transform_lr", config.transform_lr > 0 ? config.transform_lr : config.lr},
                   {"weight_decay", config.weight_decay},
                   {"lambda", config.lambda},
                   {"lambda_ramp_epochs", config.lambda_ramp_epochs},
                   {"distill_weight", config.distill_weight},
                   {"seed", config.seed},
                   {"item_id_feature", schema.item_id_feature}};
    j["convention"] = "z_{k-1} ~ B_k z_k; row-major tables: Z_{k-1} ~ Z_k @ B_k.T";
    return j;
  }

  std::optional<StrategyResult> reuse(const StrategySpec& s, const std::string& dir, bool force);
  StrategyResult train_run(const StrategySpec& s, const std::string& dir);
  StrategyResult run(const StrategySpec& s, const std::string& dir, bool force) {
    if (auto r = reuse(s, dir, force)) return *r;
    return train_run(s, dir);
  }
  std::vector<StrategyResult> run_all(const std::vector<StrategySpec>& specs, const std::vector<std::string>& dirs,
                                      bool force, const std::function<void(size_t)>& done,
                                      const std::function<bool()>& idle);

  // What version k's alignment of strategy s pulls towards, and how hard.
  // prev_gauge: version k-1's table reparametrisation (undefined: none).
  AlignmentTarget alignment_target(const StrategySpec& s, PinSage& prev, bool prev_shared,
                                   const torch::Tensor& prev_gauge, int k, const std::vector<torch::Tensor>& own_steps) {
    const VersionGraph& vg = graph(k);
    AlignmentTarget t;
    t.loss = s.loss;
    t.z_prev = apply_gauge(embed(prev, vg, prev_shared), prev_gauge, vg.graph.num_users());
    t.frozen_chain.assign(own_steps.rbegin(), own_steps.rend());
    if (s.anchor) {
      auto anchored = anchored_target(t.z_prev, m0_embeddings(k), t.frozen_chain);
      t.z_prev = anchored.prev;
      t.offset = anchored.offset;
    }
    t.lambda = s.lambda;
    t.max_alignment = s.max_alignment;
    t.max_intended_loss = s.max_intended_loss;
    if (s.guarded()) t.max_recall_loss = s.max_recall_loss;  // the budget sets its share per version
    t.refit = s.refit;
    return t;
  }
};

namespace {
std::string without_trailing_slash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}
}  // namespace

std::optional<StrategyResult> Workbench::Impl::reuse(const StrategySpec& s, const std::string& dir_arg, bool force) {
  const std::string dir = without_trailing_slash(dir_arg);
  const int K = static_cast<int>(versions.size());
  if (!force && dist::current() == nullptr && RunDir(dir).complete()) {
    const RunDir rd(dir);
    const auto m = rd.manifest();
    if (m.value("fingerprint", "") == fingerprint && m.value("strategy", "") == s.name && rd.versions() == K) {
      StrategyResult r;
      r.strategy = s.name;
      r.reused = true;
      r.seconds = m.value("seconds", 0.0);
      for (int k = 0; k < K; ++k) r.versions.push_back(rd.metrics(k));
      log_line("[" + s.name + "] complete run found in " + dir + ", reused (--force to retrain)");
      return r;
    }
  }
  return std::nullopt;
}

StrategyResult Workbench::Impl::train_run(const StrategySpec& s, const std::string& dir_arg) {
  const std::string dir = without_trailing_slash(dir_arg);
  const int K = static_cast<int>(versions.size());
  const auto t0 = std::chrono::steady_clock::now();
  // The run is written to DIR/.partial and moved into DIR once complete
  // (install_run), so a failure or a lost rank never leaves a half-written
  // run, and an older complete run in DIR stays until the new one is done.
  // In a data-parallel job only rank 0 writes (see dist::writes_files).
  const bool writer = dist::writes_files();
  const std::string staging = dir + "/.partial";
  RunDir rd(staging);
  const bool created = !path_exists(dir);
  if (writer) {
    std::filesystem::remove_all(staging);
    make_dirs(staging);
  }
  struct Cleanup {  // on failure: the staging folder, and DIR if this run made it
    std::string staging, dir;
    bool active, created;
    ~Cleanup() {
      std::error_code ec;
      if (!active) return;
      std::filesystem::remove_all(staging, ec);
      if (created && std::filesystem::is_empty(dir, ec)) std::filesystem::remove(dir, ec);
    }
  } cleanup{staging, dir, writer, created};
  StrategyResult result;
  result.strategy = s.name;
  log_line("[" + s.name + "] " + s.describe());

  TransformChain chain(config.model_for(0).dim);
  double recall_spent = 0;  // @max-mean-recall-loss: the recall loss of versions 1..k-1, percent, summed
  std::vector<torch::Tensor> own_steps;  // B_1 .. B_{k-1} of this strategy
  PinSage prev{nullptr};
  bool prev_shared = false;
  torch::Tensor prev_gauge;  // version k-1's G (strategies with a gauge)
  for (int k = 0; k < K; ++k) {
    const VersionGraph& vg = graph(k);
    const std::string label = s.name + " v" + std::to_string(k);
    PinSage model{nullptr};
    bool shared = false;  // M_0 or a from-scratch model (see shared_mu)
    FitResult fit;
    Matrix b;
    torch::Tensor gauge;  // G_k, if this strategy reparametrises its tables
    if (k == 0) {
      TrainedModel& t = get_m0();
      model = t.model;
      shared = true;
      fit = t.fit;
    } else if (s.init == ModelInit::Reuse) {
      model = get_m0().model;
      shared = true;
      fit = evaluate_only(m0_embeddings(k), k);
      b = identity_matrix(config.model_for(0).dim);
    } else if (s.init == ModelInit::Previous) {
      model = new_model(k, true, 100 + static_cast<uint64_t>(k));
      {
        const auto lock = lock_if_shared(prev_shared);
        restore(*model, snapshot(*prev));
      }
      VersionFit f(vg, model, nullptr, nullptr, config, Rng::mix(config.seed, 300 + static_cast<uint64_t>(k)));
      fit = f.run(config.epochs, label);
      b = identity_matrix(config.model_for(0).dim);
    } else {
      const int64_t d_prev = config.model_for(k - 1).dim, d = config.model_for(k).dim;
      if (s.model_is_nobc()) {
        TrainedModel& t = get_nobc(k);
        model = t.model;
        shared = true;
        fit = t.fit;
        if (s.fitting == Fitting::PostHoc) {
          const AlignmentTarget target = alignment_target(s, prev, prev_shared, prev_gauge, k, own_steps);
          auto [transform, alignment] = fit_posthoc(s, vg, target, embed(model, vg, true), k, label);
          fit.alignment = alignment;
          b = transform->to_matrix();
          gauge = transform->gauge();
        } else {
          b = truncation_matrix(d_prev, d);
        }
      } else {  // joint
        model = new_model(k, false, 100 + static_cast<uint64_t>(k));
        BackwardTransform transform = seeded_init(Rng::mix(config.seed, 500 + static_cast<uint64_t>(k)),
                                                  [&] { return BackwardTransform(s.transform, d_prev, d, s.gauge); });
        AlignmentTarget target = alignment_target(s, prev, prev_shared, prev_gauge, k, own_steps);
        BackwardTransform fallback{nullptr};  // the recall guard's post-hoc fit
        if (s.needs_unconstrained()) {
          TrainedModel& free = get_nobc(k);
          // The bound follows the unconstrained fit epoch by epoch; a warm
          // start begins where that fit ended, so it is held to its best epoch.
          target.reference_task_loss = free.fit.task_loss;
          if (s.init == ModelInit::Unconstrained && free.fit.best_epoch > 0 &&
              free.fit.best_epoch <= static_cast<int>(free.fit.task_loss.size()))
            target.reference_task_loss = {free.fit.task_loss[static_cast<size_t>(free.fit.best_epoch - 1)]};
          for (const auto& p : free.fit.curve) target.reference_recall = std::max(target.reference_recall, p.recall);
          if (s.max_mean_recall_loss > 0) {
            // What versions 1..k may lose in all, less what 1..k-1 lost: the
            // mean over versions stays within the budget (a gain adds to it).
            // Chosen on --eval-users but spent on every user, a version may
            // overspend by that subset's noise: the next share is then 0,
            // where the fallback (no-bc's model) still qualifies.
            target.max_recall_loss = std::max(0.0, s.max_mean_recall_loss * k - recall_spent);
            std::ostringstream msg;
            msg << "[" << s.name << "] version " << k << ": recall budget " << *target.max_recall_loss << "%";
            log_line(msg.str());
          }
          const torch::Tensor z_free = embed(free.model, vg, true);
          if (s.distill) target.distill_z = z_free;
          if (s.init == ModelInit::Unconstrained) {
            // Warm: the unconstrained solution, and the best map from it to start the pull from.
            {
              const std::lock_guard<std::mutex> lock(shared_mu);
              restore(*model, snapshot(*free.model));
            }
            transform->refit(z_free, target.z_prev);
            if (s.guarded() && transform->learnable()) {
              // The guard's fallback: the post-hoc fit of B_k to this model
              // (as the post-hoc strategy's, same seeds). The pull starts from
              // the closed-form map: from the post-hoc one (its gauge fitted at
              // the full rate) the joint fit's alignment loss stayed 4x higher on synthetic data.
              // A truncation has nothing to fit: its epoch 0 is the fit's own start.
              fallback = fit_posthoc(s, vg, target, z_free, k, label).first;
            }
          }
        }
        VersionFit f(vg, model, transform, &target, config, Rng::mix(config.seed, 200 + static_cast<uint64_t>(k)));
        if (fallback) f.set_fallback(fallback);
        fit = f.run(config.epochs, label);
        if (s.max_mean_recall_loss > 0) {  // spent as the experiment reports it: Recall@K against no-bc's
          const double base = get_nobc(k).fit.recall.at(config.primary_k);
          if (base > 0) recall_spent -= recall_change_pct(fit.recall.at(config.primary_k), base);
        }
        b = transform->to_matrix();
        gauge = transform->gauge();
      }
    }
    if (k > 0) {
      own_steps.push_back(to_tensor(b));
      chain.push(b);
    }
    const int64_t nu = vg.graph.num_users(), ni = vg.graph.num_items();
    const torch::Tensor z = apply_gauge(embed(model, vg, shared), gauge, nu);
    VersionMetrics vm;
    vm.version = k;
    vm.dim = z.size(1);
    vm.layers = model->config().layers;
    vm.users = static_cast<int32_t>(nu);
    vm.items = static_cast<int32_t>(ni);
    vm.fit = fit;
    if (k > 0) {
      const Matrix compat0 = chain.apply(to_matrix(z), k, 0);
      const Matrix ref = to_matrix(m0_embeddings(k));
      vm.alignment_error = mean_row_distance(compat0, ref);
      vm.user_alignment = row_alignment(compat0, ref, 0, nu);
      vm.item_alignment = row_alignment(compat0, ref, nu, nu + ni);
    }
    if (writer) {
      make_dirs(rd.version_dir(k));
      write_matrix_npy(rd.file(k, "user_emb.npy"), rows_to_matrix(z, 0, nu));
      write_matrix_npy(rd.file(k, "item_emb.npy"), rows_to_matrix(z, nu, ni));
      write_id_map(rd.file(k, "users.tsv"), ds.user_ids, static_cast<size_t>(nu));
      write_id_map(rd.file(k, "items.tsv"), ds.item_ids, static_cast<size_t>(ni));
      if (k > 0) write_matrix_npy(rd.file(k, "B.npy"), b);
      if (gauge.defined()) write_matrix_npy(rd.file(k, "G.npy"), to_matrix(gauge));
      std::string bytes;
      {
        const auto lock = lock_if_shared(shared);
        bytes = save_module(*model);
      }
      write_file_atomic(rd.file(k, "model.pt"), bytes);
      write_file_atomic(rd.file(k, "metrics.json"), to_json(vm).dump(1));
    }
    std::ostringstream msg;
    msg << "[" << s.name << "] version " << k << " done: Recall@" << config.primary_k << " "
        << fit.recall.recall[config.primary_k] << ", alignment error " << vm.alignment_error;
    if (k > 0)
      msg << " (relative: users " << vm.user_alignment.relative << ", items " << vm.item_alignment.relative << ")";
    log_line(msg.str());
    result.versions.push_back(std::move(vm));
    prev = model;
    prev_shared = shared;
    prev_gauge = gauge;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Every rank got here: the run is complete, and rank 0 commits it.
  if (auto* c = dist::current()) c->barrier();
  if (writer) {
    write_file_atomic(staging + "/run.json", manifest(s, true, result.seconds).dump(1));
    cleanup.active = false;
    install_run(staging, dir, K);
  }
  return result;
}

std::vector<StrategyResult> Workbench::Impl::run_all(const std::vector<StrategySpec>& specs,
                                                     const std::vector<std::string>& dirs, bool force,
                                                     const std::function<void(size_t)>& done,
                                                     const std::function<bool()>& idle) {
  if (specs.size() != dirs.size()) throw Error("run_all: one run directory per strategy");
  const int K = static_cast<int>(versions.size());
  std::vector<StrategyResult> results(specs.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (auto r = reuse(specs[i], dirs[i], force)) {
      results[i] = std::move(*r);
      if (done) done(i);
    } else {
      todo.push_back(i);
    }
  }
  if (todo.empty()) return results;
  if (effective_jobs(config.jobs) <= 1) {
    for (const size_t i : todo) {
      results[i] = train_run(specs[i], dirs[i]);
      if (done) done(i);
    }
    return results;
  }
  // Side by side. Every run reads M_0: it comes first. Then one list of
  // jobs: the from-scratch models (that no-bc, the post-hoc and the warm or
  // distilled strategies wait for), the strategies that need only M_0, and
  // those that wait; each group longest first. Waiting comes last, so that
  // each awaited model is in training by the time one waits (no deadlock);
  // awaited work first and long before short keep both ends of the schedule
  // busy (MovieLens: 8 min 49 s with the from-scratch models after the
  // joint fits, which left a post-hoc fit running alone at the end).
  auto needs_nobc = [](const StrategySpec& s) { return s.model_is_nobc() || s.needs_unconstrained(); };
  // Cost of one epoch of version k's fit, roughly: edges x dim x layers.
  auto version_cost = [&](int k, bool m0_arch) {
    const ModelSpec m = config.model_for(m0_arch ? 0 : k);
    return static_cast<double>(versions[static_cast<size_t>(k)].end_train) * static_cast<double>(m.dim) * m.layers;
  };
  constexpr double kPosthocCost = 0.25;  // measured: a post-hoc fit costs a quarter of a model's
  auto strategy_cost = [&](const StrategySpec& s) {
    double c = 0;
    for (int k = 1; k < K; ++k) {
      if (s.fitting == Fitting::Joint || s.init == ModelInit::Previous)
        c += version_cost(k, s.uses_m0_architecture()) * (1.0 + (s.guarded() ? kPosthocCost : 0.0));  // + its fallback
      else if (s.fitting == Fitting::PostHoc)
        c += kPosthocCost * version_cost(k, false);
    }
    return c;
  };
  struct Job {
    int group;     // 0: M_0 or a from-scratch model; 1: a strategy that needs M_0 only; 2: one that waits for them
    double cost;
    int version;   // a from-scratch model to train (0: M_0), or -1
    size_t spec;   // else the strategy
  };
  std::vector<Job> jobs;
  bool want_nobc = false;
  for (const size_t i : todo) {
    want_nobc = want_nobc || needs_nobc(specs[i]);
    jobs.push_back({needs_nobc(specs[i]) ? 2 : 1, strategy_cost(specs[i]), -1, i});
  }
  size_t scratch_left = 0;
  for (int k = 1; want_nobc && k < K; ++k)
    if (nobc.count(k) == 0) {
      ++scratch_left;
      jobs.push_back({0, version_cost(k, false), k, 0});
    }
  std::stable_sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return a.group != b.group ? a.group < b.group : a.cost > b.cost;
  });
  // M_0 (and its embeddings of every version) is the first job when there
  // are from-scratch models to train beside it (they do not need it; the
  // runs wait for it) and the jobs already fill the share of the threads
  // (one more job leaves each job's threads, and so the results, unchanged).
  const bool m0_job = scratch_left > 0 && static_cast<int64_t>(jobs.size()) >= effective_jobs(config.jobs);
  {
    // On a job's share of the threads, like everything after it: the
    // results depend on the threads per job only.
    const ScopedThreads share(threads_per_job(config.jobs, static_cast<int64_t>(jobs.size())));
    for (int k = 0; k < K; ++k) graph(k);
    if (!m0_job) {
      get_m0();
      for (int k = 0; k < K; ++k) m0_embeddings(k);
    }
  }
  if (m0_job) jobs.insert(jobs.begin(), {0, 0.0, 0, 0});
  // One idle slot per worker after the runs: a worker that claims one has no
  // run left. Only where the runs already fill the workers, so that each
  // run's share of the threads stays the same.
  const int64_t runs = static_cast<int64_t>(jobs.size());
  const int64_t workers = effective_jobs(config.jobs);
  const int64_t slots = idle && runs >= workers ? workers : 0;
  // From-scratch models land in `trained`, and move into `nobc` (which runs
  // only read once all are there) when the last one is done.
  std::map<int, TrainedModel> trained;
  bool scratch_failed = false, m0_ready = !m0_job, m0_failed = false;
  std::mutex mu;
  std::condition_variable scratch_done;
  run_parallel_jobs(config.jobs, runs + slots, [&](int64_t j) {
    if (j >= runs) {
      while (idle()) {
      }
      return;
    }
    const Job& job = jobs[static_cast<size_t>(j)];
    if (job.version == 0) {
      try {
        get_m0();
        for (int k = 0; k < K; ++k) m0_embeddings(k);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mu);
        m0_failed = true;
        scratch_done.notify_all();
        throw;
      }
      const std::lock_guard<std::mutex> lock(mu);
      m0_ready = true;
      scratch_done.notify_all();
      return;
    }
    if (job.version > 0) {
      try {
        TrainedModel t = load_or_train_scratch(job.version);
        const std::lock_guard<std::mutex> lock(mu);
        trained.emplace(job.version, std::move(t));
        if (--scratch_left == 0) nobc.merge(trained);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mu);
        scratch_failed = true;
        scratch_done.notify_all();
        throw;
      }
      scratch_done.notify_all();
      return;
    }
    {
      std::unique_lock<std::mutex> lock(mu);
      scratch_done.wait(lock, [&] { return m0_ready || m0_failed; });
      if (!m0_ready) throw Error(specs[job.spec].name + ": version 0's model failed to train");
      if (job.group == 2) {
        scratch_done.wait(lock, [&] { return scratch_left == 0 || scratch_failed; });
        if (scratch_left != 0) throw Error(specs[job.spec].name + ": a from-scratch model it needs failed to train");
      }
    }
    results[job.spec] = train_run(specs[job.spec], dirs[job.spec]);
    const std::lock_guard<std::mutex> lock(mu);
    if (done) done(job.spec);
  });
  return results;
}

Workbench::Workbench(const Dataset& ds, const SliceSpec& slices, const TrainConfig& config, std::string cache_dir)
    : impl_(std::make_unique<Impl>(ds, slices, config, std::move(cache_dir))) {}
Workbench::~Workbench() = default;
const std::vector<Version>& Workbench::versions() const { return impl_->versions; }
const InputSchema& Workbench::schema() const { return impl_->schema; }
const std::string& Workbench::fingerprint() const { return impl_->fingerprint; }
FitResult Workbench::train_scratch(int version) {
  if (version < 0 || version >= static_cast<int>(impl_->versions.size()))
    throw Error("version " + std::to_string(version) + " does not exist (versions 0.." +
                std::to_string(impl_->versions.size() - 1) + ")");
  return impl_->train_scratch(version, "v" + std::to_string(version)).fit;
}
StrategyResult Workbench::run(const StrategySpec& s, const std::string& dir, bool force) {
  return impl_->run(s, dir, force);
}
std::vector<StrategyResult> Workbench::run_all(const std::vector<StrategySpec>& strategies,
                                               const std::vector<std::string>& run_dirs, bool force,
                                               const std::function<void(size_t)>& done,
                                               const std::function<bool()>& idle) {
  return impl_->run_all(strategies, run_dirs, force, done, idle);
}

}  // namespace bcemb
