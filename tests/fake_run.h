#pragma once
// A training run directory written by hand (no training): random tables and
// transforms with known shapes, for registry and server tests.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bcemb/io/atomic_file.h"
#include "bcemb/io/npy.h"
#include "bcemb/train/run_dir.h"
#include "bcemb/util/rng.h"

namespace bcemb::test {

inline Matrix random_matrix(int64_t r, int64_t c, uint64_t seed) {
  Rng rng(seed);
  Matrix m(r, c);
  for (auto& x : m.data) x = static_cast<float>(rng.normal());
  return m;
}

// dims[k] per version; users/items grow by 5 per version.
inline void write_fake_run(const std::string& dir, const std::vector<int64_t>& dims, uint64_t seed = 1,
                           const std::string& fingerprint = "fp") {
  nlohmann::json versions = nlohmann::json::array();
  std::vector<std::string> users, items;
  for (size_t i = 0; i < 30 + 5 * dims.size(); ++i) {
    users.push_back("u" + std::to_string(i));
    items.push_back("i" + std::to_string(i));
  }
  for (size_t k = 0; k < dims.size(); ++k) {
    const int64_t nu = 20 + 5 * static_cast<int64_t>(k), ni = 30 + 5 * static_cast<int64_t>(k);
    const std::string v = dir + "/v" + std::to_string(k);
    make_dirs(v);
    write_matrix_npy(v + "/user_emb.npy", random_matrix(nu, dims[k], seed * 100 + k));
    write_matrix_npy(v + "/item_emb.npy", random_matrix(ni, dims[k], seed * 200 + k));
    write_id_map(v + "/users.tsv", users, static_cast<size_t>(nu));
    write_id_map(v + "/items.tsv", items, static_cast<size_t>(ni));
    if (k > 0) write_matrix_npy(v + "/B.npy", random_matrix(dims[k - 1], dims[k], seed * 300 + k));
    write_file_atomic(v + "/model.pt", "model of version " + std::to_string(k));
    write_file_atomic(v + "/metrics.json", nlohmann::json{{"version", k}, {"recall", {{"recall@50", 0.2}}}}.dump());
    versions.push_back({{"index", k}, {"dim", dims[k]}, {"layers", 2}, {"users", nu}, {"items", ni}});
  }
  write_file_atomic(dir + "/run.json", nlohmann::json{{"format", "bcemb-run/1"},
                                                      {"strategy", "joint-lin-mloss"},
                                                      {"fingerprint", fingerprint},
                                                      {"complete", true},
                                                      {"versions", versions}}
                                           .dump());
}

}  // namespace bcemb::test
