#include "bcemb/train/version_fit.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "bcemb/compat/alignment.h"
#include "bcemb/util/error.h"
#include "bcemb/util/progress.h"

namespace bcemb {

namespace {

torch::Tensor long_tensor(const std::vector<int64_t>& v) {
  return torch::from_blob(const_cast<int64_t*>(v.data()), {static_cast<int64_t>(v.size())}, torch::kLong).clone();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Alignment error of B z against z_prev on the whole graph: mean of the
// users' and the items' mean squared error (as the reference reports it).
double full_alignment(const torch::Tensor& z, BackwardTransform& transform, const AlignmentTarget& a, int64_t users) {
  torch::NoGradGuard no_grad;
  const auto mapped = transform->forward(z);
  const auto n = z.size(0);
  const double mu = alignment_loss(a.loss, a.z_prev.narrow(0, 0, users), mapped.narrow(0, 0, users), a.frozen_chain)
                        .item<double>();
  const double mi = alignment_loss(a.loss, a.z_prev.narrow(0, users, n - users), mapped.narrow(0, users, n - users),
                                   a.frozen_chain)
                        .item<double>();
  return 0.5 * (mu + mi);
}

}  // namespace

std::vector<torch::Tensor> snapshot(const torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) out.push_back(b.detach().clone());
  return out;
}

void restore(torch::nn::Module& m, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : m.parameters()) p.copy_(state.at(i++));
  for (auto& b : m.buffers()) b.copy_(state.at(i++));
}

torch::Tensor embed_all(PinSage& model, const VersionGraph& vg) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  auto z = model->forward(vg.full_plan(model->config().layers));
  model->train(was_training);
  return z;
}

VersionFit::VersionFit(const VersionGraph& vg, PinSage model, BackwardTransform transform, const AlignmentTarget* align,
                       const TrainConfig& config, uint64_t seed, std::optional<torch::Tensor> frozen_z)
    : vg_(vg), model_(std::move(model)), transform_(std::move(transform)), align_(align), config_(config),
      frozen_z_(std::move(frozen_z)), sampler_(vg.graph, seed), planner_(vg.plans),
      slot_(static_cast<size_t>(vg.graph.num_nodes()), 0), stamp_(static_cast<size_t>(vg.graph.num_nodes()), 0) {
  if (align_ != nullptr && align_->loss != AlignmentLoss::None && !transform_)
    throw Error("an alignment loss needs a backward transform");
  if (!trains_model() && (align_ == nullptr || !transform_ || !transform_->learnable()))
    throw Error("a post-hoc fit needs a learnable transform and an alignment target");
  if (trains_model() && !model_) throw Error("no model to train");
  std::vector<torch::Tensor> params;
  if (trains_model())
    for (const auto& p : model_->parameters()) params.push_back(p);
  if (transform_ && transform_->learnable())
    for (const auto& p : transform_->parameters()) params.push_back(p);
  optimizer_ = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(config.lr));
}

Batch VersionFit::make_batch(const BprTriples& t, size_t begin, size_t end) {
  if (++batch_no_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0);
    batch_no_ = 1;
  }
  Batch b;
  const int32_t nu = vg_.graph.num_users();
  std::vector<int64_t> ur, pr, nr, un, pn, nn;
  auto slot = [&](int32_t node) -> int64_t {
    if (stamp_[node] != batch_no_) {
      stamp_[node] = batch_no_;
      slot_[node] = static_cast<int32_t>(b.targets.size());
      b.targets.push_back(node);
    }
    return slot_[node];
  };
  for (size_t s = begin; s < end; ++s) {
    ur.push_back(slot(t.users[s]));
    pr.push_back(slot(nu + t.pos[s]));
    nr.push_back(slot(nu + t.neg[s]));
    un.push_back(t.users[s]);
    pn.push_back(nu + t.pos[s]);
    nn.push_back(nu + t.neg[s]);
  }
  b.user_rows = long_tensor(ur);
  b.pos_rows = long_tensor(pr);
  b.neg_rows = long_tensor(nr);
  b.user_nodes = long_tensor(un);
  b.pos_nodes = long_tensor(pn);
  b.neg_nodes = long_tensor(nn);
  return b;
}

double VersionFit::step(const Batch& b) {
  torch::Tensor zu, zp, zn, loss;
  if (trains_model()) {
    model_->train();
    const ComputationPlan plan = planner_.plan(b.targets, model_->config().layers);
    const torch::Tensor z = model_->forward(plan);
    zu = z.index_select(0, b.user_rows);
    zp = z.index_select(0, b.pos_rows);
    zn = z.index_select(0, b.neg_rows);
    const auto pos_score = (zu * zp).sum(1);
    const auto neg_score = (zu * zn).sum(1);
    const auto bpr = torch::softplus(neg_score - pos_score).mean();
    const auto reg = 0.5 * (zu.pow(2).sum() + zp.pow(2).sum() + zn.pow(2).sum()) / static_cast<double>(zu.size(0));
    loss = bpr + config_.weight_decay * reg;
  } else {
    zu = frozen_z_->index_select(0, b.user_nodes);
    zp = frozen_z_->index_select(0, b.pos_nodes);
    zn = frozen_z_->index_select(0, b.neg_nodes);
  }
  if (align_ != nullptr && align_->loss != AlignmentLoss::None) {
    transform_->train();
    const auto& prev = align_->z_prev;
    const auto a = alignment_loss(align_->loss, prev.index_select(0, b.user_nodes), transform_->forward(zu),
                                  align_->frozen_chain) +
                   alignment_loss(align_->loss, prev.index_select(0, b.pos_nodes), transform_->forward(zp),
                                  align_->frozen_chain) +
                   alignment_loss(align_->loss, prev.index_select(0, b.neg_nodes), transform_->forward(zn),
                                  align_->frozen_chain);
    loss = trains_model() ? loss + config_.lambda * a : a;
  }
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  return loss.item<double>();
}

CurvePoint VersionFit::evaluate(int epoch) {
  CurvePoint p;
  p.epoch = epoch;
  const torch::Tensor z = trains_model() ? embed_all(model_, vg_) : *frozen_z_;
  const int64_t nu = vg_.graph.num_users();
  if (trains_model()) {
    const auto zc = z.contiguous();
    const float* zp = zc.data_ptr<float>();
    const auto r = recall_at_k(zp, zp + nu * zc.size(1), nu, vg_.graph.num_items(), zc.size(1), vg_.val, &vg_.graph,
                               config_.ks);
    p.recall = r.at(config_.primary_k);
  }
  if (align_ != nullptr && align_->loss != AlignmentLoss::None) p.alignment = full_alignment(z, transform_, *align_, nu);
  return p;
}

FitResult VersionFit::run(int epochs, const std::string& label) {
  const bool aligned = align_ != nullptr && align_->loss != AlignmentLoss::None;
  // Aligned fits choose only after the warm-up, unless the run is too short for one.
  const int select_after = aligned && config_.warmup_epochs < epochs ? config_.warmup_epochs : 0;
  FitResult res;
  Progress progress(label, epochs);
  std::vector<torch::Tensor> best_model, best_transform;
  double best_score = -std::numeric_limits<double>::infinity();
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const BprTriples triples = sampler_.sample_epoch();
    double loss_sum = 0;
    int batches = 0;
    for (size_t s = 0; s < triples.size(); s += static_cast<size_t>(config_.batch_size)) {
      const size_t e = std::min(triples.size(), s + static_cast<size_t>(config_.batch_size));
      if (e - s < 2) continue;  // BatchNorm needs two rows
      const double l = step(make_batch(triples, s, e));
      if (!std::isfinite(l)) throw Error(label + ": loss became " + std::to_string(l) + " at epoch " + std::to_string(epoch));
      loss_sum += l;
      ++batches;
    }
    res.train_seconds += seconds_since(t0);
    if (epoch % config_.eval_every != 0 && epoch != epochs) continue;
    CurvePoint p = evaluate(epoch);
    p.loss = batches > 0 ? loss_sum / batches : 0.0;
    p.train_seconds = res.train_seconds;
    res.curve.push_back(p);
    std::ostringstream msg;
    msg << "epoch " << epoch << " loss " << p.loss;
    if (p.recall >= 0) msg << " Recall@" << config_.primary_k << " " << p.recall;
    if (p.alignment >= 0) msg << " align " << p.alignment;
    progress.step(epoch, msg.str());
    if (epoch <= select_after) continue;
    const double score = trains_model() ? p.recall : -p.alignment;
    if (score > best_score) {
      best_score = score;
      res.best_epoch = epoch;
      res.alignment = p.alignment;
      if (trains_model()) best_model = snapshot(*model_);
      if (transform_) best_transform = snapshot(*transform_);
    }
  }
  if (trains_model() && !best_model.empty()) restore(*model_, best_model);
  if (transform_ && !best_transform.empty()) restore(*transform_, best_transform);
  if (trains_model()) {
    const torch::Tensor z = embed_all(model_, vg_).contiguous();
    const int64_t nu = vg_.graph.num_users();
    const float* zp = z.data_ptr<float>();
    res.recall = recall_at_k(zp, zp + nu * z.size(1), nu, vg_.graph.num_items(), z.size(1), vg_.val, &vg_.graph,
                             config_.ks);
  }
  return res;
}

}  // namespace bcemb
