#include "bcemb/eval/recall.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

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

// Candidate order: higher score first, ties broken by the lower item index.
// The order inside a tie group only decides which members are kept; recall
// itself counts the group as a whole (see recall.h).
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
// higher score. Items that tie with `worst` but are not kept (cut away, or
// passed over by the scan) are counted, with how many of them are the
// user's validation items: the rest of the tie group at the K-th place. A
// NaN score ranks last (as -inf): the ordering stays total.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { kept_.reserve(2 * k); }
  // Starts a user whose distinct validation items, sorted, are `truth`.
  void clear(const std::vector<int32_t>* truth) {
    kept_.clear();  // keeps the capacity of 2K
    cut_ = false;
    truth_ = truth;
    tied_ = tied_truth_ = 0;
  }
  bool cut() const { return cut_; }
  float worst() const { return worst_; }
  void add(float score, int32_t item) {
    kept_.push_back({std::isnan(score) ? -std::numeric_limits<float>::infinity() : score, item});
    if (kept_.size() == 2 * k_) cut_to_best();
  }
  // An item not kept whose score equals worst().
  void tie(int32_t item) {
    ++tied_;
    tied_truth_ += std::binary_search(truth_->begin(), truth_->end(), item) ? 1 : 0;
  }
  // The best K, best first. After it, when cut(), the last one's score is
  // worst() and tied() items beyond the K share it.
  const std::vector<Scored>& ranked() {
    if (kept_.size() > k_) cut_to_best();
    std::sort(kept_.begin(), kept_.end(), Better{});
    return kept_;
  }
  int64_t tied() const { return tied_; }
  int64_t tied_truth() const { return tied_truth_; }

 private:
  void cut_to_best() {
    std::nth_element(kept_.begin(), kept_.begin() + static_cast<std::ptrdiff_t>(k_ - 1), kept_.end(), Better{});
    const float w = kept_[k_ - 1].score;  // the K-th best
    // A higher K-th score leaves every earlier tie below it.
    if (!cut_ || w != worst_) tied_ = tied_truth_ = 0;
    for (size_t i = k_; i < kept_.size(); ++i)
      if (kept_[i].score == w) tie(kept_[i].item);
    kept_.resize(k_);
    worst_ = w;
    cut_ = true;
  }

  size_t k_;
  std::vector<Scored> kept_;
  const std::vector<int32_t>* truth_ = nullptr;
  float worst_ = 0;
  bool cut_ = false;
  int64_t tied_ = 0, tied_truth_ = 0;
};

// The first j in [from, m) with s[j] >= worst, or m. Once a user's top-K has
// been cut nearly every score fails that test, so the scan is most of the
// ranking.
int64_t next_at_least(const float* s, int64_t from, int64_t m, float worst) {
  for (; from < m; ++from)
    if (s[from] >= worst) return from;
  return m;
}

__attribute__((target("avx2"))) int64_t next_at_least_avx2(const float* s, int64_t from, int64_t m, float worst) {
  const __m256 w = _mm256_set1_ps(worst);
  for (; from + 8 <= m; from += 8) {
    // Ordered compare: a NaN score is never at least, as in the scalar test.
    const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(s + from), w, _CMP_GE_OQ));
    if (mask != 0) return from + __builtin_ctz(static_cast<unsigned>(mask));
  }
  return next_at_least(s, from, m, worst);
}

// Expected hits in the top K under uniformly random tie-breaking: items above
// the K-th score count whole; a group of g items at the K-th score, of which
// the top K holds r, counts each of its validation items as r/g of a hit.
// A -inf K-th score (excluded or NaN items fill the top K) recommends only
// the finite ones. prefix[p]: validation items among ranked[0, p).
double expected_hits(const std::vector<Scored>& ranked, const std::vector<int>& prefix, size_t k, const TopK& top) {
  if (k == 0) return 0.0;
  const float s = ranked[k - 1].score;
  size_t first = k - 1, last = k - 1;
  while (first > 0 && ranked[first - 1].score == s) --first;
  if (s == -std::numeric_limits<float>::infinity()) return prefix[first];
  while (last + 1 < ranked.size() && ranked[last + 1].score == s) ++last;
  double group = static_cast<double>(last + 1 - first), group_truth = prefix[last + 1] - prefix[first];
  if (last + 1 == ranked.size() && top.cut()) {  // the group goes on beyond the kept
    group += static_cast<double>(top.tied());
    group_truth += static_cast<double>(top.tied_truth());
  }
  return prefix[first] + group_truth * static_cast<double>(k - first) / group;
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
  const auto kmax = static_cast<size_t>(std::min<int64_t>(*std::max_element(ks.begin(), ks.end()), num_items));
  RecallResult res;
  res.users = static_cast<int64_t>(users.size());
  std::map<int, double> sum, sum_sq;
  for (const int k : ks) sum[k] = sum_sq[k] = 0.0;
  std::vector<float> ublock, scores(static_cast<size_t>(kUserBlock * kItemBlock));
  const auto scan = cpu_has_avx2_fma() ? next_at_least_avx2 : next_at_least;
  std::vector<TopK> top(static_cast<size_t>(kUserBlock), TopK(kmax));
  std::vector<int> prefix;
  for (size_t start = 0; start < users.size(); start += kUserBlock) {
    const auto n = static_cast<int64_t>(std::min<size_t>(kUserBlock, users.size() - start));
    ublock.resize(static_cast<size_t>(n * d));
    for (int64_t r = 0; r < n; ++r)
      std::copy_n(user_emb + static_cast<int64_t>(users[start + r]) * d, d, ublock.data() + r * d);
    for (int64_t r = 0; r < n; ++r) top[static_cast<size_t>(r)].clear(&truth[users[start + r]]);
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
        for (j = scan(s, j, m, t.worst()); j < m; j = scan(s, j + 1, m, t.worst())) {
          if (s[j] > t.worst())
            t.add(s[j], static_cast<int32_t>(i0 + j));
          else
            t.tie(static_cast<int32_t>(i0 + j));
        }
      }
    }
    for (int64_t r = 0; r < n; ++r) {
      TopK& top_r = top[static_cast<size_t>(r)];
      const std::vector<Scored>& ranked = top_r.ranked();
      const auto& t = truth[users[start + r]];
      prefix.assign(1, 0);  // validation items among the first p ranked
      for (const Scored& c : ranked) prefix.push_back(prefix.back() + (std::binary_search(t.begin(), t.end(), c.item) ? 1 : 0));
      for (const int k : ks) {
        const double rec = expected_hits(ranked, prefix, std::min(static_cast<size_t>(k), ranked.size()), top_r) /
                           static_cast<double>(t.size());
        sum[k] += rec;
        sum_sq[k] += rec * rec;
      }
    }
  }
  for (const int k : ks) {
    res.recall[k] = users.empty() ? 0.0 : sum[k] / static_cast<double>(users.size());
    res.se[k] = standard_error(sum[k], sum_sq[k], res.users);
  }
  return res;
}

}  // namespace bcemb
