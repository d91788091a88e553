#include "bcemb/train/version_fit.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <sstream>

#include "bcemb/compat/alignment.h"
#include "bcemb/model/adam.h"
#include "bcemb/train/bpr_loss.h"
#include "bcemb/util/error.h"
#include "bcemb/util/huge_pages.h"
#include "bcemb/util/progress.h"
#include "bcemb/util/rng.h"

namespace bcemb {

namespace {

torch::Tensor long_tensor(const std::vector<int64_t>& v) {
  return torch::from_blob(const_cast<int64_t*>(v.data()), {static_cast<int64_t>(v.size())}, torch::kLong).clone();
}

// dst[index[i]] = src[i] for every row i (libtorch's index_copy_ took a
// millisecond per layer and step for a batch's rows at dim 128: 7% of a step).
void copy_rows(torch::Tensor& dst, const torch::Tensor& index, const torch::Tensor& src) {
  const torch::Tensor s = src.contiguous();
  const int64_t d = dst.size(1), n = index.size(0);
  const int64_t* idx = index.data_ptr<int64_t>();
  const float* from = s.data_ptr<float>();
  float* to = dst.data_ptr<float>();
  at::parallel_for(0, n, 512, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(to + idx[i] * d, from + i * d, sizeof(float) * static_cast<size_t>(d));
  });
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Alignment error of B z against z_prev on the whole graph: mean of the
// users' and the items' mean squared error (as the reference reports it).
double full_alignment(const torch::Tensor& z, BackwardTransform& transform, const AlignmentTarget& a, int64_t users) {
  torch::NoGradGuard no_grad;
  const auto mapped = transform->forward(transform->reparametrise(z, users));
  const auto n = z.size(0);
  auto part = [&](int64_t begin, int64_t rows) {
    return alignment_loss(a.loss, a.z_prev.narrow(0, begin, rows), mapped.narrow(0, begin, rows), a.frozen_chain, {},
                          a.offset.defined() ? a.offset.narrow(0, begin, rows) : torch::Tensor())
        .item<double>();
  };
  return 0.5 * (part(0, users) + part(users, n - users));
}

// The validation pairs of at most max_users users, drawn with a fixed seed
// so every fit of a dataset is selected on the same users.
std::vector<std::pair<int32_t, int32_t>> validation_subset(const std::vector<std::pair<int32_t, int32_t>>& val,
                                                           int64_t max_users) {
  std::vector<int32_t> users;
  for (const auto& p : val) users.push_back(p.first);
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  if (max_users == 0 || static_cast<int64_t>(users.size()) <= max_users) return val;
  Rng rng(0x7e57u);
  for (size_t i = 0; i < static_cast<size_t>(max_users); ++i)
    std::swap(users[i], users[i + rng.below(users.size() - i)]);
  users.resize(static_cast<size_t>(max_users));
  std::sort(users.begin(), users.end());
  std::vector<std::pair<int32_t, int32_t>> out;
  for (const auto& p : val)
    if (std::binary_search(users.begin(), users.end(), p.first)) out.push_back(p);
  return out;
}

}  // namespace

torch::Tensor embed_all(PinSage& model, const VersionGraph& vg) { return model->infer(vg.plans, dist::current()); }

RecallResult recall_of(const torch::Tensor& z, const VersionGraph& vg,
                       const std::vector<std::pair<int32_t, int32_t>>& val, const std::vector<int>& ks) {
  const auto zc = z.contiguous();
  const float* zp = zc.data_ptr<float>();
  const int64_t nu = vg.graph.num_users(), d = zc.size(1);
  dist::Collective* c = dist::current();
  if (c == nullptr)
    return recall_at_k(zp, zp + nu * d, nu, vg.graph.num_items(), d, val, &vg.graph, ks);
  // Each rank ranks the items for its share of the users (user mod world
  // size); per-user sums and counts are added over ranks.
  std::vector<std::pair<int32_t, int32_t>> mine;
  for (const auto& p : val)
    if (p.first % c->world_size() == c->rank()) mine.push_back(p);
  const RecallResult part = recall_at_k(zp, zp + nu * d, nu, vg.graph.num_items(), d, mine, &vg.graph, ks);
  // Per K: the sum and the sum of squares of the per-user recalls (the
  // latter from the share's mean and standard error), then the user count.
  const auto n = static_cast<double>(part.users);
  const auto nk = static_cast<int64_t>(ks.size());
  std::vector<double> sums;
  for (const int k : ks) sums.push_back(part.users > 0 ? part.at(k) * n : 0.0);
  for (const int k : ks) {
    const double m = part.users > 0 ? part.at(k) : 0.0, se = part.users > 1 ? part.se.at(k) : 0.0;
    sums.push_back(se * se * n * (n - 1) + n * m * m);
  }
  sums.push_back(n);
  auto t = torch::tensor(sums, torch::kDouble);
  c->allreduce_sum(t);
  RecallResult r;
  r.users = static_cast<int64_t>(t[2 * nk].item<double>());
  for (int64_t i = 0; i < nk; ++i) {
    const double sum = t[i].item<double>(), sum_sq = t[nk + i].item<double>();
    r.recall[ks[static_cast<size_t>(i)]] = r.users > 0 ? sum / static_cast<double>(r.users) : 0.0;
    r.se[ks[static_cast<size_t>(i)]] = standard_error(sum, sum_sq, r.users);
  }
  return r;
}

VersionFit::VersionFit(const VersionGraph& vg, PinSage model, BackwardTransform transform, const AlignmentTarget* align,
                       const TrainConfig& config, uint64_t seed, std::optional<torch::Tensor> frozen_z)
    : vg_(vg), model_(std::move(model)), transform_(std::move(transform)), align_(align), config_(config),
      frozen_z_(std::move(frozen_z)), sampler_(vg.graph, seed), planner_(vg.plans),
      slot_(static_cast<size_t>(vg.graph.num_nodes()), 0), stamp_(static_cast<size_t>(vg.graph.num_nodes()), 0),
      seed_(seed) {
  dist_ = dist::current();
  if (aligned() && !transform_)
    throw Error("an alignment loss needs a backward transform");
  if (!trains_model() && (align_ == nullptr || !transform_ || !transform_->learnable()))
    throw Error("a post-hoc fit needs a learnable transform and an alignment target");
  if (trains_model() && !model_) throw Error("no model to train");
  eval_val_ = validation_subset(vg.val, config.eval_users);
  if (aligned()) {
    if (align_->z_prev.is_contiguous()) use_huge_pages(align_->z_prev.data_ptr(), align_->z_prev.nbytes());
    lambda_ = align_->lambda >= 0 ? align_->lambda : config.lambda;
    if (align_->max_alignment > 0 || align_->max_intended_loss > 0) {
      if (!trains_model()) throw Error("an alignment bound needs M_k to train (a joint fit)");
      if (align_->max_intended_loss > 0 && align_->reference_task_loss.empty())
        throw Error("--max-intended-loss needs the unconstrained model's task loss per epoch");
      // The task-loss bound holds the multiplier on the task term: lambda = 1 / mu.
      const double initial = align_->max_alignment > 0 ? std::max(lambda_, 1e-3) : 1.0 / std::max(lambda_, 1e-3);
      multiplier_.emplace(initial, LagrangeMultiplier::Options{});
      lambda_ = align_->max_alignment > 0 ? multiplier_->value() : 1.0 / multiplier_->value();
    }
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (trains_model())
    groups.emplace_back(model_->parameters(), std::make_unique<torch::optim::AdamOptions>(config.lr));
  if (transform_ && transform_->learnable()) {
    const double lr = config.transform_lr > 0 ? config.transform_lr : config.lr;
    std::vector<torch::Tensor> b_params, gauge_params;
    for (const auto& p : transform_->named_parameters()) (p.key() == "log_gauge" ? gauge_params : b_params).push_back(p.value());
    groups.emplace_back(b_params, std::make_unique<torch::optim::AdamOptions>(lr));
    // Adam moves every entry by about its rate, and the entries of a gauge's
    // step move together: at the transform's rate one step can scale G by up
    // to e^(rate d) (e^1.3 at d 128). In a joint fit that wrecked the model
    // within an epoch (MovieLens, warm start: Recall@50 0.29 -> 0.12), so
    // there the rate is divided by d and a step changes G by about the rate.
    // Post hoc the model is frozen and the full rate fits better (CiaoDVD:
    // unintended -2.8% against -3.8% at rate / d).
    if (!gauge_params.empty()) {
      const double d = trains_model() ? static_cast<double>(gauge_params[0].size(0)) : 1.0;
      groups.emplace_back(gauge_params, std::make_unique<torch::optim::AdamOptions>(lr / d));
    }
  }
  optimizer_ = std::make_unique<FusedAdam>(std::move(groups), torch::optim::AdamOptions(config.lr));
}

Batch VersionFit::make_batch(const BprTriples& t, size_t begin, size_t end) {
  if (++batch_no_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0);
    batch_no_ = 1;
  }
  Batch b;
  const int32_t nu = vg_.graph.num_users();
  if (dist_ != nullptr) {
    // Every rank must choose the same plan: choose it on the global batch.
    if (plan_kind_.empty() && trains_model()) {
      std::vector<int32_t> all;
      for (size_t s = begin; s < end; ++s) all.insert(all.end(), {t.users[s], nu + t.pos[s], nu + t.neg[s]});
      std::sort(all.begin(), all.end());
      all.erase(std::unique(all.begin(), all.end()), all.end());
      plan_kind_ = choose_plan(all, model_->config().layers);
    }
    const auto global = static_cast<int64_t>(end - begin);
    const auto mine = dist::share(global, dist_);
    end = begin + static_cast<size_t>(mine.second);
    begin += static_cast<size_t>(mine.first);
    b.weight = static_cast<double>(mine.second - mine.first) / static_cast<double>(global);
  }
  const size_t n = end - begin;
  std::vector<int64_t> rows(3 * n), nodes(3 * n);
  for (size_t s = 0; s < n; ++s) {
    nodes[s] = t.users[begin + s];
    nodes[n + s] = nu + t.pos[begin + s];
    nodes[2 * n + s] = nu + t.neg[begin + s];
  }
  std::vector<float> count;
  for (size_t r = 0; r < 3 * n; ++r) {
    const auto node = static_cast<int32_t>(nodes[r]);
    if (stamp_[node] != batch_no_) {
      stamp_[node] = batch_no_;
      slot_[node] = static_cast<int32_t>(b.targets.size());
      b.targets.push_back(node);
      count.push_back(0);
    }
    rows[r] = slot_[node];
    count[static_cast<size_t>(rows[r])] += 1;
  }
  // The targets come in order of first appearance among [users; positives;
  // negatives]: the users first (a gauge reparametrises them apart).
  b.target_users = std::count_if(b.targets.begin(), b.targets.end(), [nu](int32_t t) { return t < nu; });
  b.rows = long_tensor(rows);
  b.nodes = long_tensor(nodes);
  b.target_nodes = long_tensor(std::vector<int64_t>(b.targets.begin(), b.targets.end()));
  b.target_count = torch::from_blob(count.data(), {static_cast<int64_t>(count.size())}, torch::kFloat).clone();
  if (!trains_model()) return b;  // post hoc: rows of the frozen embeddings
  const int layers = model_->config().layers;
  const uint64_t plan_seed = Rng::mix(seed_, batch_no_);
  if (plan_kind_.empty()) plan_kind_ = choose_plan(b.targets, layers);
  if (plan_kind_ == "batch") b.plan = std::make_shared<const ComputationPlan>(planner_.plan(b.targets, layers));
  if (plan_kind_ == "sampled")
    b.plan = std::make_shared<const ComputationPlan>(planner_.plan(b.targets, layers, config_.fanout, plan_seed));
  if (plan_kind_ == "historical") {
    b.plan = std::make_shared<const ComputationPlan>(planner_.historical_plan(b.targets, layers, config_.fanout, plan_seed));
  }
  return b;
}

void VersionFit::refresh_history() {
  torch::NoGradGuard no_grad;
  // Training-mode BatchNorm over all nodes, as the batches normalise their
  // own rows; the running statistics are left as the batches made them.
  const auto buffers = snapshot(*model_);
  model_->train();
  history_ = model_->hidden_outputs(vg_.full_plan(model_->config().layers));
  restore(*model_, buffers);
  for (const auto& h : history_)  // read at random rows
    if (h.is_contiguous()) use_huge_pages(h.data_ptr(), h.nbytes());
  history_epoch_ = epoch_;
}

std::string VersionFit::choose_plan(const std::vector<int32_t>& targets, int layers) {
  if (config_.plan != "auto") return config_.plan;
  // Decided once per fit from the first batch: batches of one graph cost about the same.
  const int64_t d = model_->config().dim, table = model_->config().table_rows;
  const double full = vg_.full_plan(layers).cost(d, table);
  const double batch = planner_.plan(targets, layers).cost(d, table);
  const double sampled = planner_.plan(targets, layers, config_.fanout, seed_).cost(d, table);
  const double historical = planner_.historical_plan(targets, layers, config_.fanout, seed_).cost(d, table);
  const std::string approx = "historical";
  const double approx_cost = approx == "sampled" ? sampled : historical;
  const std::string kind = 2 * approx_cost <= std::min(full, batch) ? approx : (2 * batch <= full ? "batch" : "full");
  std::ostringstream msg;
  msg.precision(3);
  msg << "plan " << kind << ": estimated forward multiply-adds per step: full " << full << ", batch " << batch
      << ", sampled " << sampled << ", historical " << historical;
  log_line(msg.str());
  return kind;
}

void VersionFit::update_lambda(double alignment, double task) {
  if (align_->max_alignment > 0) {
    lambda_ = multiplier_->update(alignment / align_->max_alignment - 1.0);
  } else {
    const auto& ref = align_->reference_task_loss;
    const double bound = (1.0 + align_->max_intended_loss / 100.0) * ref[std::min<size_t>(epoch_ > 0 ? epoch_ - 1 : 0, ref.size() - 1)];
    lambda_ = 1.0 / multiplier_->update(task / bound - 1.0);
  }
}

double VersionFit::selection_score(const CurvePoint& p) const {
  if (!trains_model()) return -p.alignment;  // post hoc: the best map
  if (!aligned() || (align_->max_alignment <= 0 && align_->max_intended_loss <= 0 && !align_->max_recall_loss))
    return p.recall;
  // Bounded fits: epochs that keep the bound rank first (scores above 2),
  // by recall (alignment bound) or by alignment (recall within P% of the
  // unconstrained model's); the others by how close they come.
  if (align_->max_alignment > 0)
    return p.alignment <= align_->max_alignment ? 2.0 + p.recall : -p.alignment;
  const double loss = align_->max_recall_loss.value_or(align_->max_intended_loss);
  const double floor = (1.0 - loss / 100.0) * align_->reference_recall;
  return p.recall >= floor ? 2.0 + 1.0 / (1.0 + p.alignment) : p.recall;
}

double VersionFit::step(const Batch& b) {
  torch::Tensor targets, loss;  // targets: the model's output for the batch's distinct nodes
  std::vector<torch::Tensor> fresh;  // historical plans: the targets' new layer outputs
  const int64_t n = b.size();
  double task = 0;  // BPR + weight decay, when M_k trains
  if (trains_model()) {
    model_->train();
    // Batch plans differ per rank: their BatchNorm statistics are synchronised.
    // The full plan is the same on every rank and needs no synchronisation.
    // out: the targets' rows (plans) or every node's (full graph).
    torch::Tensor out;
    if (b.plan && b.plan->historical) {
      if (history_epoch_ != epoch_) refresh_history();
      out = model_->forward(*b.plan, &history_, &fresh, dist_);
    } else if (b.plan) {
      out = model_->forward(*b.plan, nullptr, nullptr, dist_);
    } else {
      out = model_->forward(vg_.full_plan(model_->config().layers));
    }
    const BprLoss bpr = bpr_loss(out, b.plan ? b.rows : b.nodes, config_.weight_decay);
    loss = bpr.loss;
    task = loss.item<double>();
    if (aligned()) targets = b.plan ? out : out.index_select(0, b.target_nodes);
    if (aligned() && align_->distill_z.defined()) {
      // Soft BPR targets: the unconstrained M_k's probability that the positive ranks first.
      torch::Tensor target;
      {
        torch::NoGradGuard no_grad;
        const auto ref = align_->distill_z.index_select(0, b.nodes).split(n);
        target = torch::sigmoid((ref[0] * ref[1]).sum(1) - (ref[0] * ref[2]).sum(1));
      }
      loss = loss + config_.distill_weight * torch::binary_cross_entropy_with_logits(bpr.margin, target);
    }
  } else {
    targets = frozen_z_->index_select(0, b.target_nodes);
  }
  if (aligned()) {
    transform_->train();
    // The mean over the 3n rows, as each distinct node weighted by its count;
    // the three groups' means sum to 3 x that mean (equal group sizes).
    const auto a = alignment_loss(align_->loss, align_->z_prev.index_select(0, b.target_nodes),
                                  transform_->forward(transform_->reparametrise(targets, b.target_users)),
                                  align_->frozen_chain, b.target_count,
                                  align_->offset.defined() ? align_->offset.index_select(0, b.target_nodes)
                                                           : torch::Tensor());
    if (trains_model()) {
      if (multiplier_) {
        // The multiplier moves on the global batch's losses, the same on every rank.
        std::vector<double> at{a.item<double>(), task};
        if (dist_ != nullptr) {
          auto sums = torch::tensor({at[0] * b.weight, task * b.weight}, torch::kDouble);
          dist_->allreduce_sum(sums);
          at = {sums[0].item<double>(), sums[1].item<double>()};
        }
        update_lambda(at[0], at[1]);
      }
      lambda_sum_ += lambda_;
      ++lambda_steps_;
    }
    loss = trains_model() ? loss + 3.0 * lambda_ * a : 3.0 * a;
  }
  std::vector<double> values{loss.item<double>(), task};
  if (dist_ != nullptr) {
    backward_fresh(loss * b.weight, *optimizer_);
    for (auto& v : values) v *= b.weight;
    reduce_gradients(values);
  } else {
    backward_fresh(loss, *optimizer_);
  }
  optimizer_->step();
  if (transform_) transform_->project();
  for (size_t l = 0; l < fresh.size(); ++l) copy_rows(history_[l], b.target_nodes, fresh[l]);
  task_loss_sum_ += values[1];
  ++steps_;
  return values[0];
}

void VersionFit::reduce_gradients(std::vector<double>& values) {
  std::vector<torch::Tensor> grads;
  for (auto& group : optimizer_->param_groups())
    for (auto& p : group.params()) grads.push_back(p.grad().reshape(-1));
  // One buffer, one allreduce per step.
  grads.push_back(torch::tensor(std::vector<float>(values.begin(), values.end())));
  torch::Tensor flat = torch::cat(grads);
  step_bytes_ = flat.numel() * static_cast<int64_t>(flat.element_size());
  dist_->allreduce_sum(flat);
  int64_t at = 0;
  for (auto& group : optimizer_->param_groups())
    for (auto& p : group.params()) {
      p.mutable_grad().copy_(flat.narrow(0, at, p.numel()).view_as(p));
      at += p.numel();
    }
  for (size_t i = 0; i < values.size(); ++i) values[i] = flat[at + static_cast<int64_t>(i)].item<double>();
}


CurvePoint VersionFit::evaluate(int epoch) { return evaluate(epoch, transform_); }

CurvePoint VersionFit::evaluate(int epoch, BackwardTransform& transform) {
  CurvePoint p;
  p.epoch = epoch;
  const torch::Tensor z = trains_model() ? embed_all(model_, vg_) : *frozen_z_;
  const int64_t nu = vg_.graph.num_users();
  if (trains_model()) p.recall = recall_of(z, vg_, eval_val_, config_.ks).at(config_.primary_k);
  if (aligned()) p.alignment = full_alignment(z, transform, *align_, nu);
  return p;
}

FitResult VersionFit::run(int epochs, const std::string& label) {
  // Aligned fits choose only after the warm-up, unless the run is too short
  // for one: choosing on recall alone, a fit from scratch would keep an early
  // epoch that has not aligned yet. A recall guard chooses the most aligned
  // epoch within its bound and starts from the trained no-bc model, so there
  // the warm-up would only take candidates away.
  const bool guarded = aligned() && align_->max_recall_loss.has_value();
  const int select_after = aligned() && !guarded && config_.warmup_epochs < epochs ? config_.warmup_epochs : 0;
  FitResult res;
  Progress progress(label, epochs);
  std::vector<torch::Tensor> best_model, best_transform;
  double best_score = -std::numeric_limits<double>::infinity();
  auto keep_if_best = [&](const CurvePoint& p, BackwardTransform& transform) {
    const double score = selection_score(p);
    if (score <= best_score) return;
    best_score = score;
    res.best_epoch = p.epoch;
    res.alignment = p.alignment;
    if (trains_model()) best_model = snapshot(*model_);
    if (transform) best_transform = snapshot(*transform);
  };
  if (trains_model() && guarded) {
    // The recall guard's fallback as epoch 0: the starting model with the fallback transform.
    BackwardTransform& start_transform = fallback_ ? fallback_ : transform_;
    const CurvePoint start = evaluate(0, start_transform);
    res.curve.push_back(start);
    keep_if_best(start, start_transform);
  }
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    epoch_ = epoch;
    const auto t0 = std::chrono::steady_clock::now();
    if (aligned() && !multiplier_) lambda_ = (align_->lambda >= 0 ? align_->lambda : config_.lambda) * config_.ramp(epoch);
    lambda_sum_ = task_loss_sum_ = 0;
    lambda_steps_ = 0;
    // Into last epoch's storage: no batch worker still reads it, as each
    // std::async future is waited for, by get() or by its destructor when a
    // step throws.
    sampler_.sample_epoch(triples_);
    const BprTriples& triples = triples_;
    std::vector<std::pair<size_t, size_t>> ranges;
    // BatchNorm needs two rows (on every rank of a data-parallel job).
    const size_t min_rows = 2 * static_cast<size_t>(dist_ != nullptr ? dist_->world_size() : 1);
    for (size_t s = 0; s < triples.size(); s += static_cast<size_t>(config_.batch_size)) {
      const size_t e = std::min(triples.size(), s + static_cast<size_t>(config_.batch_size));
      if (e - s >= min_rows) ranges.emplace_back(s, e);
    }
    // Batch i+1 (its sampling and plan) is made on a worker thread while step i runs.
    auto prepare = [&](size_t i) {
      return std::async(std::launch::async, [this, &triples, r = ranges[i]] { return make_batch(triples, r.first, r.second); });
    };
    std::future<Batch> next;
    if (!ranges.empty()) next = prepare(0);
    double loss_sum = 0;
    int batches = 0;
    for (size_t i = 0; i < ranges.size(); ++i) {
      const Batch batch = next.get();
      if (i + 1 < ranges.size()) next = prepare(i + 1);
      const double l = step(batch);
      if (!std::isfinite(l)) throw Error(label + ": loss became " + std::to_string(l) + " at epoch " + std::to_string(epoch));
      loss_sum += l;
      ++batches;
    }
    if (trains_model()) res.task_loss.push_back(batches > 0 ? task_loss_sum_ / batches : 0.0);
    if (aligned() && align_->refit) {
      torch::NoGradGuard no_grad;
      transform_->refit(transform_->reparametrise(trains_model() ? embed_all(model_, vg_) : *frozen_z_,
                                                  vg_.graph.num_users()),
                        align_->z_prev);
    }
    res.train_seconds += seconds_since(t0);
    if (epoch % config_.eval_every != 0 && epoch != epochs) continue;
    CurvePoint p = evaluate(epoch);
    p.loss = batches > 0 ? loss_sum / batches : 0.0;
    p.train_seconds = res.train_seconds;
    if (lambda_steps_ > 0) p.lambda = lambda_sum_ / lambda_steps_;
    res.curve.push_back(p);
    std::ostringstream msg;
    msg << "epoch " << epoch << " loss " << p.loss;
    if (p.recall >= 0) msg << " Recall@" << config_.primary_k << " " << p.recall;
    if (p.alignment >= 0) msg << " align " << p.alignment;
    if (p.lambda >= 0) msg << " lambda " << p.lambda;
    progress.step(epoch, msg.str());
    if (epoch > select_after) keep_if_best(p, transform_);
  }
  res.plan = plan_kind_;
  res.steps = steps_;
  res.step_allreduce_bytes = step_bytes_;
  if (trains_model() && !best_model.empty()) restore(*model_, best_model);
  if (transform_ && !best_transform.empty()) restore(*transform_, best_transform);
  if (trains_model()) res.recall = recall_of(embed_all(model_, vg_), vg_, vg_.val, config_.ks);
  return res;
}

}  // namespace bcemb
