#pragma once
// Hyper-parameters of embedding-model training (all strategies).
#include <cstdint>
#include <string>
#include <vector>

namespace bcemb {

struct ModelSpec {
  int64_t dim = 256;
  int layers = 2;
};

struct TrainConfig {
  // Architecture per version (the paper: 256/2, 320/2, 384/3, 448/3, 512/3).
  // Versions beyond the list repeat its last entry.
  std::vector<ModelSpec> models = {{256, 2}, {320, 2}, {384, 3}, {448, 3}, {512, 3}};
  int epochs = 30;
  int eval_every = 1;
  // Joint and post-hoc fits pick their best epoch only after this many
  // epochs, so that the alignment has converged (the reference: 50 of 500).
  int warmup_epochs = 10;
  int posthoc_epochs = 0;  // 0 = same as epochs
  int batch_size = 2048;
  double lr = 1e-3;
  double weight_decay = 1e-2;
  double lambda = 16.0;
  uint64_t seed = 0;
  std::string item_id_feature = "auto";  // auto|on|off, see graph/node_inputs.h
  std::vector<int> ks = {10, 20, 50, 100};
  int primary_k = 50;

  ModelSpec model_for(int version) const;
  void validate() const;  // throws Error naming the bad setting
};

}  // namespace bcemb
