#include "bcemb/train/train_config.h"

#include <algorithm>

#include "bcemb/util/error.h"

namespace bcemb {

ModelSpec TrainConfig::model_for(int version) const {
  if (models.empty()) throw Error("no model architecture configured (--dims/--layers)");
  return models[static_cast<size_t>(std::min<int>(version, static_cast<int>(models.size()) - 1))];
}

void TrainConfig::validate() const {
  if (models.empty()) throw Error("--dims: at least one dimension is needed");
  for (size_t k = 0; k < models.size(); ++k) {
    if (models[k].dim <= 0) throw Error("--dims: dimension of version " + std::to_string(k) + " must be positive");
    if (models[k].layers <= 0) throw Error("--layers: depth of version " + std::to_string(k) + " must be positive");
  }
  if (epochs <= 0) throw Error("--epochs must be positive");
  if (jobs < 0) throw Error("--jobs must be 0 (one per thread) or positive");
  if (eval_every <= 0) throw Error("--eval-every must be positive");
  if (warmup_epochs < 0) throw Error("--warmup must be >= 0");
  if (batch_size <= 1) throw Error("--batch-size must be > 1 (BatchNorm needs two rows)");
  if (!(lr > 0)) throw Error("--lr must be positive");
  if (plan != "auto" && plan != "batch" && plan != "full" && plan != "sampled" && plan != "historical")
    throw Error("--plan must be auto, full, batch, sampled or historical");
  if (fanout.empty()) throw Error("--fanout: give at least one count (0 = all neighbours)");
  for (const int f : fanout)
    if (f < 0) throw Error("--fanout: neighbours per node must be >= 0 (0 = all)");
  if (!(weight_decay >= 0)) throw Error("--weight-decay must be >= 0");
  if (!(lambda >= 0)) throw Error("--lambda must be >= 0");
  if (lambda_ramp_epochs < 0) throw Error("--lambda-ramp must be >= 0");
  if (!(distill_weight >= 0)) throw Error("--distill-weight must be >= 0");
  if (eval_users < 0) throw Error("--eval-users must be >= 0 (0 = all)");
  for (const int k : ks)
    if (k <= 0) throw Error("K values must be positive, got " + std::to_string(k));
  if (std::find(ks.begin(), ks.end(), primary_k) == ks.end()) throw Error("primary K must be one of the K values");
}

double TrainConfig::ramp(int epoch) const {
  if (lambda_ramp_epochs > 0 && epoch < lambda_ramp_epochs) return static_cast<double>(epoch) / lambda_ramp_epochs;
  return 1.0;
}

double TrainConfig::lambda_at(int epoch) const { return lambda * ramp(epoch); }

}  // namespace bcemb
