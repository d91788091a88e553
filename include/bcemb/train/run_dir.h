#pragma once
// A training run on disk (documented in README "Run directory"):
//   RUN/run.json                 strategy, data, slices, per-version dims, config, complete flag
//   RUN/v<k>/user_emb.npy        float32 [users_k, d_k]: z_k = M_k on version k's graph
//   RUN/v<k>/item_emb.npy        float32 [items_k, d_k]
//   RUN/v<k>/users.tsv, items.tsv  "index<TAB>id" maps of the rows
//   RUN/v<k>/B.npy               float32 [d_{k-1}, d_k], k >= 1: z_{k-1} ~ B_k z_k
//   RUN/v<k>/model.pt            the model checkpoint (torch::save)
//   RUN/v<k>/metrics.json        Recall@K, best epoch, curve, alignment error
// Every file is written atomically; run.json is written last, so a run with
// "complete": true has all its files.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bcemb/compat/composition.h"
#include "bcemb/eval/alignment_error.h"
#include "bcemb/io/npy.h"
#include "bcemb/train/fit_result.h"

namespace bcemb {

struct VersionMetrics {
  int version = 0;
  int64_t dim = 0;
  int layers = 0;
  int32_t users = 0, items = 0;
  FitResult fit;
  double alignment_error = 0;  // version-0-compatible embedding vs fix-m0's, mean L2 over nodes
  RowAlignment user_alignment, item_alignment;  // the same per node type (eval/alignment_error.h)
};

struct StrategyResult {
  std::string strategy;
  std::vector<VersionMetrics> versions;
  double seconds = 0;
  bool reused = false;  // loaded from a complete run directory
};

nlohmann::json to_json(const VersionMetrics& m);
VersionMetrics version_metrics_from_json(const nlohmann::json& j, const std::string& where);

void write_id_map(const std::string& path, const std::vector<std::string>& ids, size_t count);
std::vector<std::string> read_id_map(const std::string& path);

class RunDir {
 public:
  explicit RunDir(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  std::string version_dir(int k) const { return path_ + "/v" + std::to_string(k); }
  std::string file(int k, const std::string& name) const { return version_dir(k) + "/" + name; }

  nlohmann::json manifest() const;  // run.json; throws Error naming the file if missing or broken
  bool complete() const;            // run.json exists and says complete
  int versions() const;
  VersionMetrics metrics(int k) const;
  nlohmann::json metrics_json(int k) const;  // v<k>/metrics.json as written (an object); Error naming the file if broken
  Matrix embeddings(int k, const std::string& kind /* users|items */) const;
  Matrix transform(int k) const;  // B_k
  TransformChain chain() const;   // B_1 .. B_K
  std::vector<std::string> ids(int k, const std::string& kind) const;

 private:
  void check_version(int k) const;
  std::string path_;
};

}  // namespace bcemb
