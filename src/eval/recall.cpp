#include "bcemb/eval/recall.h"

#include <cblas.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"

namespace bcemb {

double RecallResult::at(int k) const {
  auto it = recall.find(k);
  if (it == recall.end()) throw Error("Recall@" + std::to_string(k) + " was not computed");
  return it->second;
}

RecallResult recall_at_k(const float* user_emb, const float* item_emb, int64_t num_users, int64_t num_items, int64_t d,
                         const std::vector<std::pair<int32_t, int32_t>>& val, const BipartiteGraph* exclude,
                         const std::vector<int>& ks) {
  if (ks.empty()) throw Error("recall: no K given");
  std::vector<std::vector<int32_t>> truth(static_cast<size_t>(num_users));
  for (const auto& [u, i] : val) {
    if (u < 0 || u >= num_users || i < 0 || i >= num_items)
      throw Error("recall: validation pair (" + std::to_string(u) + ", " + std::to_string(i) + ") outside the embeddings");
    truth[u].push_back(i);
  }
  std::vector<int32_t> users;
  for (int32_t u = 0; u < num_users; ++u) {
    auto& t = truth[u];
    if (t.empty()) continue;
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
    users.push_back(u);
  }
  const int kmax = std::min<int64_t>(*std::max_element(ks.begin(), ks.end()), num_items);
  RecallResult res;
  res.users = static_cast<int64_t>(users.size());
  std::map<int, double> sum;
  for (const int k : ks) sum[k] = 0.0;
  const size_t chunk = 512;
  std::vector<float> ublock, scores;
  std::vector<int32_t> order(static_cast<size_t>(num_items));
  for (size_t start = 0; start < users.size(); start += chunk) {
    const size_t n = std::min(chunk, users.size() - start);
    ublock.resize(n * static_cast<size_t>(d));
    for (size_t r = 0; r < n; ++r)
      std::copy_n(user_emb + static_cast<int64_t>(users[start + r]) * d, d, ublock.data() + r * static_cast<size_t>(d));
    scores.resize(n * static_cast<size_t>(num_items));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(num_items),
                static_cast<int>(d), 1.0f, ublock.data(), static_cast<int>(d), item_emb, static_cast<int>(d), 0.0f,
                scores.data(), static_cast<int>(num_items));
    for (size_t r = 0; r < n; ++r) {
      const int32_t u = users[start + r];
      float* s = scores.data() + r * static_cast<size_t>(num_items);
      if (exclude != nullptr && u < exclude->num_users())
        for (const int32_t* p = exclude->positives_begin(u); p != exclude->positives_end(u); ++p)
          if (*p < num_items) s[*p] = -std::numeric_limits<float>::infinity();
      std::iota(order.begin(), order.end(), 0);
      // Ties broken by item index so results are reproducible.
      std::partial_sort(order.begin(), order.begin() + kmax, order.end(),
                        [&](int32_t a, int32_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
      const auto& t = truth[u];
      int hits = 0;
      size_t next_k = 0;
      std::vector<int> sorted_ks(ks);
      std::sort(sorted_ks.begin(), sorted_ks.end());
      for (int pos = 0; pos < kmax; ++pos) {
        if (std::binary_search(t.begin(), t.end(), order[pos])) ++hits;
        while (next_k < sorted_ks.size() && sorted_ks[next_k] == pos + 1) {
          sum[sorted_ks[next_k]] += static_cast<double>(hits) / static_cast<double>(t.size());
          ++next_k;
        }
      }
      for (; next_k < sorted_ks.size(); ++next_k) sum[sorted_ks[next_k]] += static_cast<double>(hits) / t.size();
    }
  }
  for (const int k : ks) res.recall[k] = users.empty() ? 0.0 : sum[k] / static_cast<double>(users.size());
  return res;
}

}  // namespace bcemb
