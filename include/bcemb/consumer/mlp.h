#pragma once
// A consumer team's model: Linear(d,h)-BN-ReLU-Dropout, Linear(h,h)-BN-ReLU-
// Dropout, Linear(h,1); BCE with logits, Adam lr 1e-3, batch 2048. Trained once
// on version-0 embeddings, keeping the epoch with the best selection ROC-AUC,
// then only evaluated (never retrained) on later versions' embeddings.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "bcemb/util/rng.h"

namespace bcemb {

// Inverted-dropout mask of the given shape: each entry 1/(1-p) with
// probability 1-p, else 0, drawn 32 bits per entry from rng.
torch::Tensor dropout_mask(torch::IntArrayRef sizes, double p, Rng& rng);

struct ConsumerConfig {
  int64_t input_dim = 0;
  int64_t hidden = 128;
  double dropout = 0.0;
};

class ConsumerMlpImpl : public torch::nn::Module {
 public:
  explicit ConsumerMlpImpl(const ConsumerConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // logits, shape [n]
  const ConsumerConfig& config() const { return config_; }
  // Dropout draws from the model's own stream, not libtorch's global
  // generator, so that consumers training side by side stay reproducible.
  void seed_dropout(uint64_t seed);

 private:
  torch::Tensor dropout(const torch::Tensor& x);

  ConsumerConfig config_;
  Rng dropout_rng_{0};
  torch::nn::Sequential net_;
  // net_'s layers, for the training-mode forward (not registered twice).
  std::shared_ptr<torch::nn::LinearImpl> fc1_, fc2_, out_;
  std::shared_ptr<torch::nn::BatchNorm1dImpl> bn1_, bn2_;
};
TORCH_MODULE(ConsumerMlp);

// Examples' features, made for one batch of example indices at a time, so a
// task's examples x width matrix never exists at once (an edge task of a
// large graph has as many examples as edges).
class Features {
 public:
  virtual ~Features() = default;
  virtual int64_t rows() const = 0;
  virtual int64_t width() const = 0;
  virtual torch::Tensor gather(const int64_t* index, int64_t n) const = 0;  // n x width float
};

// A dense [n, d] tensor as features.
class DenseFeatures : public Features {
 public:
  explicit DenseFeatures(torch::Tensor x);
  int64_t rows() const override { return x_.size(0); }
  int64_t width() const override { return x_.size(1); }
  torch::Tensor gather(const int64_t* index, int64_t n) const override;

 private:
  torch::Tensor x_;
};

struct ConsumerTraining {
  int epochs = 40;
  int batch_size = 2048;
  double lr = 1e-3;
  uint64_t seed = 0;
};

struct TrainedConsumer {
  ConsumerMlp model{nullptr};
  double selection_auc = 0;  // best over epochs
  int best_epoch = 0;
};

// y: [n] in {0, 1} for the n rows of x. Selection data picks the best epoch.
TrainedConsumer train_consumer(const ConsumerConfig& config, const ConsumerTraining& training, const Features& x,
                               const torch::Tensor& y, const Features& x_select, const torch::Tensor& y_select);

// Scores (logits) in eval mode, a block of rows at a time. Throws Error when
// x has the wrong width.
std::vector<float> predict(ConsumerMlp& model, const Features& x);

// Checkpoint bytes (torch archive) and back; the config travels alongside.
std::string save_consumer(ConsumerMlp& model);
ConsumerMlp load_consumer(const ConsumerConfig& config, const std::string& bytes, const std::string& where);

}  // namespace bcemb
