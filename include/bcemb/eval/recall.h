#pragma once
// Recall@K on the next time slice: for every user with validation edges, rank
// all items by dot product (training positives excluded) and count how many
// of the user's distinct validation items are in the top K; average over users.
// Ties count as expected under uniformly random tie-breaking (McSherry &
// Najork, ECIR 2008): when g items share the K-th score and the top K has
// room for r of them, each validation item among the g counts r/g of a hit.
// So the value does not depend on item order or on the rounding that decides
// which of equal-scored items (e.g. cold items with the same attributes)
// come first. Excluded positives and NaN scores rank as -inf and are never
// recommended, even when fewer than K items remain.
// Streamed: scores are computed for a block of users against a block of items
// at a time and folded into a running top-K per user, so memory stays
// O(block x block + users x K) whatever the catalogue size.
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace bcemb {

class BipartiteGraph;

struct RecallResult {
  std::map<int, double> recall;  // K -> mean recall
  // K -> standard error of that mean over the users (sample std / sqrt(users)):
  // how far another draw of as many users could move it. Absent when unknown
  // (metrics written before it was recorded).
  std::map<int, double> se;
  int64_t users = 0;             // users evaluated
  double at(int k) const;
};

// The standard error of a mean of n values from their sum and sum of squares
// (NaN for n < 2: one value says nothing about the spread).
double standard_error(double sum, double sum_sq, int64_t n);

// user_emb: num_users x d, item_emb: num_items x d (row-major float32).
// val: (user, item) pairs. exclude: training positives (may be null).
RecallResult recall_at_k(const float* user_emb, const float* item_emb, int64_t num_users, int64_t num_items, int64_t d,
                         const std::vector<std::pair<int32_t, int32_t>>& val, const BipartiteGraph* exclude,
                         const std::vector<int>& ks = {10, 20, 50, 100});

}  // namespace bcemb
