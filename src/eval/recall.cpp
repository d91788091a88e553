#include "bcemb/eval/recall.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"
#include "bcemb/util/gemm.h"
#include "bcemb/util/runtime.h"

namespace bcemb {

double RecallResult::at(int k) const {
  auto it = recall.find(k);
  if (it == recall.end()) throw Error("Recall@" + std::to_string(k) + " was not computed");
  return it->second;
}

double standard_error(double sum, double sum_sq, int64_t n) {
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double m = sum / static_cast<double>(n);
  const double var = std::max(0.0, (sum_sq - static_cast<double>(n) * m * m) / static_cast<double>(n - 1));
  return std::sqrt(var / static_cast<double>(n));
}

namespace {

constexpr int64_t kUserBlock = 256;
constexpr int64_t kItemBlock = 4096;

// Candidate order: higher score first, ties broken by the lower item index
// (reproducible).
struct Scored {
  float score;
  int32_t item;
};
struct Better {
  bool operator()(const Scored& a, const Scored& b) const {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  }
};

// One user's running top-K: candidates collect in a buffer of 2K, which is
// cut to its best K whenever it fills (O(1) per candidate, where a heap
// paid two sift passes). After a cut, `worst` is the K-th best score as of
// that cut (a lower bound of the current K-th); items come in increasing
// index, so a later item can rank among the best K only with a strictly
// higher score. A NaN score ranks last (as -inf): the ordering stays total.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { kept_.reserve(2 * k); }
  void clear() {
    kept_.clear();  // keeps the capacity of 2K
    cut_ = false;
  }
  bool cut() const { return cut_; }
  float worst() const { return worst_; }
  void add(float score, int32_t item) {
    kept_.push_back({std::isnan(score) ? -std::numeric_limits<float>::infinity() : score, item});
    if (kept_.size() == 2 * k_) {
      keep_best();
      worst_ = kept_.back().score;
      cut_ = true;
    }
  }
  // The best K, best first.
  const std::vector<Scored>& ranked() {
    keep_best();
    std::sort(kept_.begin(), kept_.end(), Better{});
    return kept_;
  }

 private:
  void keep_best() {
    if (kept_.size() <= k_) return;
    std::nth_element(kept_.begin(), kept_.begin() + static_cast<std::ptrdiff_t>(k_ - 1), kept_.end(), Better{});
    kept_.resize(k_);  // the K-th best is now last
  }

  size_t k_;
  std::vector<Scored> kept_;
  float worst_ = 0;
  bool cut_ = false;
};

// The first j in [from, m) with s[j] > worst, or m. Once a user's top-K has
// been cut nearly every score fails that test, so the scan is most of the
// ranking.
int64_t next_above(const float* s, int64_t from, int64_t m, float worst) {
  for (; from < m; ++from)
    if (s[from] > worst) return from;
  return m;
}

__attribute__((target("avx2"))) int64_t next_above_avx2(const float* s, int64_t from, int64_t m, float worst) {
  const __m256 w = _mm256_set1_ps(worst);
  for (; from + 8 <= m; from += 8) {
    // Ordered compare: a NaN score is never above, as in the scalar test.
    const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(s + from), w, _CMP_GT_OQ));
    if (mask != 0) return from + __builtin_ctz(static_cast<unsigned>(mask));
  }
  return next_above(s, from, m, worst);
}

}  // namespace

RecallResult recall_at_k(const float* user_emb, const float* item_emb, int64_t num_users, int64_t num_items, int64_t d,
                         const std::vector<std::pair<int32_t, int32_t>>& val, const BipartiteGraph* exclude,
                         const std::vector<int>& ks) {
  if (ks.empty()) throw Error("recall: no K given");
  if (const int k = *std::min_element(ks.begin(), ks.end()); k <= 0)
    throw Error("recall: K must be positive, got " + std::to_string(k));
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
  std::vector<int> sorted_ks(ks);
  std::sort(sorted_ks.begin(), sorted_ks.end());
  const auto kmax = static_cast<size_t>(std::min<int64_t>(sorted_ks.back(), num_items));
  RecallResult res;
  res.users = static_cast<int64_t>(users.size());
  std::map<int, double> sum, sum_sq;
  for (const int k : ks) sum[k] = sum_sq[k] = 0.0;
  std::vector<float> ublock, scores(static_cast<size_t>(kUserBlock * kItemBlock));
  const auto scan = cpu_has_avx2_fma() ? next_above_avx2 : next_above;
  std::vector<TopK> top(static_cast<size_t>(kUserBlock), TopK(kmax));
  for (size_t start = 0; start < users.size(); start += kUserBlock) {
    const auto n = static_cast<int64_t>(std::min<size_t>(kUserBlock, users.size() - start));
    ublock.resize(static_cast<size_t>(n * d));
    for (int64_t r = 0; r < n; ++r)
      std::copy_n(user_emb + static_cast<int64_t>(users[start + r]) * d, d, ublock.data() + r * d);
    for (auto& t : top) t.clear();
    for (int64_t i0 = 0; i0 < num_items; i0 += kItemBlock) {
      const int64_t m = std::min(kItemBlock, num_items - i0);
      // scores (n x m, row-major) = users x items^T, column-major: items x users^T.
      sgemm('T', 'N', static_cast<int>(m), static_cast<int>(n), static_cast<int>(d), 1.0f, item_emb + i0 * d,
            static_cast<int>(d), ublock.data(), static_cast<int>(d), 0.0f, scores.data(), static_cast<int>(m));
      for (int64_t r = 0; r < n; ++r) {
        const int32_t u = users[start + r];
        float* s = scores.data() + r * m;
        if (exclude != nullptr && u < exclude->num_users()) {
          const int32_t* p = std::lower_bound(exclude->positives_begin(u), exclude->positives_end(u), static_cast<int32_t>(i0));
          for (; p != exclude->positives_end(u) && *p < i0 + m; ++p) s[*p - i0] = -std::numeric_limits<float>::infinity();
        }
        TopK& t = top[static_cast<size_t>(r)];
        int64_t j = 0;
        for (; j < m && !t.cut(); ++j) t.add(s[j], static_cast<int32_t>(i0 + j));
        for (j = scan(s, j, m, t.worst()); j < m; j = scan(s, j + 1, m, t.worst()))
          t.add(s[j], static_cast<int32_t>(i0 + j));
      }
    }
    for (int64_t r = 0; r < n; ++r) {
      const std::vector<Scored>& ranked = top[static_cast<size_t>(r)].ranked();
      const auto& t = truth[users[start + r]];
      int hits = 0;
      size_t next_k = 0;
      auto add = [&](int k) {
        const double rec = static_cast<double>(hits) / static_cast<double>(t.size());
        sum[k] += rec;
        sum_sq[k] += rec * rec;
      };
      for (size_t pos = 0; pos < ranked.size(); ++pos) {
        if (std::binary_search(t.begin(), t.end(), ranked[pos].item)) ++hits;
        while (next_k < sorted_ks.size() && static_cast<size_t>(sorted_ks[next_k]) == pos + 1) add(sorted_ks[next_k++]);
      }
      for (; next_k < sorted_ks.size(); ++next_k) add(sorted_ks[next_k]);
    }
  }
  for (const int k : ks) {
    res.recall[k] = users.empty() ? 0.0 : sum[k] / static_cast<double>(users.size());
    res.se[k] = standard_error(sum[k], sum_sq[k], res.users);
  }
  return res;
}

}  // namespace bcemb
