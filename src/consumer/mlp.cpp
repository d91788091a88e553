#include "bcemb/consumer/mlp.h"

#include <cmath>

#include "bcemb/eval/roc_auc.h"
#include "bcemb/model/adam.h"
#include "bcemb/model/batch_norm.h"
#include "bcemb/model/module_state.h"
#include "bcemb/util/error.h"
#include "bcemb/util/rng.h"
#include "bcemb/util/threads.h"

namespace bcemb {

torch::Tensor dropout_mask(torch::IntArrayRef sizes, double p, Rng& rng) {
  // libtorch's bernoulli_ drew a 64-bit number and a double per entry: a
  // fifth of a consumer's training time.
  auto mask = torch::empty(sizes, torch::kFloat);
  float* m = mask.data_ptr<float>();
  const int64_t n = mask.numel();
  const auto drop_below = static_cast<uint64_t>(std::llround(p * 4294967296.0));
  const auto scale = static_cast<float>(1.0 / (1.0 - p));
  for (int64_t i = 0; i < n; i += 2) {
    const uint64_t r = rng.next();
    m[i] = (r & 0xffffffffULL) >= drop_below ? scale : 0.0f;
    if (i + 1 < n) m[i + 1] = (r >> 32) >= drop_below ? scale : 0.0f;
  }
  return mask;
}

ConsumerMlpImpl::ConsumerMlpImpl(const ConsumerConfig& c)
    : config_(c) {
  if (c.input_dim <= 0 || c.hidden <= 0) throw Error("consumer MLP needs positive input and hidden sizes");
  if (!(c.dropout >= 0 && c.dropout < 1)) throw Error("consumer dropout must be in [0, 1)");
  // The dropouts keep their places (and so the parameter names of saved models).
  auto drop = [this](torch::Tensor x) { return dropout(x); };
  net_ = register_module("net", torch::nn::Sequential(
                                    torch::nn::Linear(c.input_dim, c.hidden), torch::nn::BatchNorm1d(c.hidden),
                                    torch::nn::ReLU(), torch::nn::Functional(drop), torch::nn::Linear(c.hidden, c.hidden),
                                    torch::nn::BatchNorm1d(c.hidden), torch::nn::ReLU(), torch::nn::Functional(drop),
                                    torch::nn::Linear(c.hidden, 1)));
  // (Sequential::ptr<BatchNorm1dImpl> does not compile in libtorch 1.13: a cast instead.)
  fc1_ = net_->ptr<torch::nn::LinearImpl>(0);
  bn1_ = std::dynamic_pointer_cast<torch::nn::BatchNorm1dImpl>(net_->ptr(1));
  fc2_ = net_->ptr<torch::nn::LinearImpl>(4);
  bn2_ = std::dynamic_pointer_cast<torch::nn::BatchNorm1dImpl>(net_->ptr(5));
  out_ = net_->ptr<torch::nn::LinearImpl>(8);
  if (!bn1_ || !bn2_) throw Error("consumer MLP: layers 1 and 5 must be BatchNorm1d");
}

void ConsumerMlpImpl::seed_dropout(uint64_t seed) { dropout_rng_ = Rng(seed); }

torch::Tensor ConsumerMlpImpl::dropout(const torch::Tensor& x) {
  if (!is_training() || config_.dropout == 0) return x;
  return x * dropout_mask(x.sizes(), config_.dropout, dropout_rng_);
}

torch::Tensor ConsumerMlpImpl::forward(const torch::Tensor& x) {
  if (!is_training()) return net_->forward(x).squeeze(1);
  // Training mode: each BatchNorm and the ReLU after it as one node (the
  // same statistics and running-statistics updates as net_'s layers).
  auto h = dropout(batch_norm_train(*bn1_, fc1_->forward(x), true));
  h = dropout(batch_norm_train(*bn2_, fc2_->forward(h), true));
  return out_->forward(h).squeeze(1);
}

DenseFeatures::DenseFeatures(torch::Tensor x) : x_(std::move(x)) {
  if (x_.dim() != 2) throw Error("features must be a 2-D [examples, width] tensor, got " + std::to_string(x_.dim()) + "-D");
}

torch::Tensor DenseFeatures::gather(const int64_t* index, int64_t n) const {
  return x_.index_select(0, torch::from_blob(const_cast<int64_t*>(index), {n}, torch::kLong));
}

std::vector<float> predict(ConsumerMlp& model, const Features& x) {
  if (x.width() != model->config().input_dim)
    throw Error("consumer expects embeddings of width " + std::to_string(model->config().input_dim) + ", got " +
                std::to_string(x.width()));
  // Blocks small enough (4096 x 512 floats = 8 MiB per hidden activation)
  // that glibc serves them from its heap: 32 MiB ones are mapped and unmapped
  // per operation, a page fault per 4 KiB each time.
  constexpr int64_t kBlock = 4096;
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  std::vector<float> scores;
  scores.reserve(static_cast<size_t>(x.rows()));
  std::vector<int64_t> index;
  for (int64_t s = 0; s < x.rows(); s += kBlock) {
    const int64_t n = std::min(kBlock, x.rows() - s);
    index.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) index[i] = s + i;
    const auto out = model->forward(x.gather(index.data(), n)).contiguous();
    scores.insert(scores.end(), out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
  }
  model->train(was_training);
  return scores;
}

TrainedConsumer train_consumer(const ConsumerConfig& config, const ConsumerTraining& training, const Features& x,
                               const torch::Tensor& y, const Features& x_select, const torch::Tensor& y_select) {
  TrainedConsumer out;
  out.model = seeded_init(training.seed, [&] { return ConsumerMlp(config); });
  out.model->seed_dropout(Rng::mix(training.seed, 78));
  FusedAdam opt(out.model->parameters(), torch::optim::AdamOptions(training.lr));
  const std::vector<float> select_labels(y_select.data_ptr<float>(), y_select.data_ptr<float>() + y_select.numel());
  Rng rng(Rng::mix(training.seed, 77));
  const int64_t n = x.rows();
  if (y.numel() != n) throw Error("consumer training: " + std::to_string(y.numel()) + " labels for " + std::to_string(n) + " examples");
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<torch::Tensor> best = snapshot(*out.model);
  out.selection_auc = -1;
  for (int epoch = 1; epoch <= training.epochs; ++epoch) {
    out.model->train();
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(static_cast<uint64_t>(i + 1))]);
    const auto perm = torch::from_blob(order.data(), {n}, torch::kLong);
    for (int64_t s = 0; s < n; s += training.batch_size) {
      const int64_t len = std::min<int64_t>(training.batch_size, n - s);
      if (len < 2) continue;  // BatchNorm needs two rows
      const auto loss = torch::binary_cross_entropy_with_logits(out.model->forward(x.gather(order.data() + s, len)),
                                                                y.index_select(0, perm.narrow(0, s, len)));
      backward_fresh(loss, opt);
      opt.step();
    }
    const double auc = roc_auc(predict(out.model, x_select), select_labels);
    if (auc > out.selection_auc) {
      out.selection_auc = auc;
      out.best_epoch = epoch;
      best = snapshot(*out.model);
    }
  }
  restore(*out.model, best);
  out.model->eval();
  return out;
}

std::string save_consumer(ConsumerMlp& model) { return save_module(*model); }

ConsumerMlp load_consumer(const ConsumerConfig& config, const std::string& bytes, const std::string& where) {
  ConsumerMlp m(config);
  load_module(*m, bytes, where);
  m->eval();
  return m;
}

}  // namespace bcemb
