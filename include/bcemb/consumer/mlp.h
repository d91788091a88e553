#pragma once
// A consumer team's model: Linear(d,h)-BN-ReLU-Dropout, Linear(h,h)-BN-ReLU-
// Dropout, Linear(h,1); BCE with logits, Adam lr 1e-3, batch 2048. Trained once
// on version-0 embeddings, keeping the epoch with the best selection ROC-AUC,
// then only evaluated (never retrained) on later versions' embeddings.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace bcemb {

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

 private:
  ConsumerConfig config_;
  torch::nn::Sequential net_;
};
TORCH_MODULE(ConsumerMlp);

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

// x: [n, d] float, y: [n] in {0, 1}. Selection data picks the best epoch.
TrainedConsumer train_consumer(const ConsumerConfig& config, const ConsumerTraining& training, const torch::Tensor& x,
                               const torch::Tensor& y, const torch::Tensor& x_select, const torch::Tensor& y_select);

// Scores (logits) in eval mode. Throws Error when x has the wrong width.
std::vector<float> predict(ConsumerMlp& model, const torch::Tensor& x);

// Checkpoint bytes (torch archive) and back; the config travels alongside.
std::string save_consumer(ConsumerMlp& model);
ConsumerMlp load_consumer(const ConsumerConfig& config, const std::string& bytes, const std::string& where);

}  // namespace bcemb
