#include "bcemb/eval/roc_auc.h"

#include <algorithm>
#include <numeric>

#include "bcemb/util/error.h"

namespace bcemb {

double roc_auc(const std::vector<float>& scores, const std::vector<float>& labels) {
  if (scores.size() != labels.size())
    throw Error("roc_auc: " + std::to_string(scores.size()) + " scores for " + std::to_string(labels.size()) + " labels");
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0, positives = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;  // ranks i+1..j
    for (size_t t = i; t < j; ++t) {
      if (labels[order[t]] > 0.5f) {
        rank_sum += avg_rank;
        positives += 1;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) throw Error("roc_auc: labels have a single class");
  return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

}  // namespace bcemb
