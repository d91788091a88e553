#pragma once
// BPR triples for one epoch: as many as there are training edges; positives
// drawn with probability proportional to 1/deg(user) (a uniform user, then a
// uniform edge of that user, so every user is trained about equally) and one
// uniform negative item per positive that is not a known positive of the user.
#include <cstdint>
#include <vector>

#include "bcemb/util/rng.h"

namespace bcemb {

class BipartiteGraph;

struct BprTriples {
  std::vector<int32_t> users, pos, neg;
  size_t size() const { return users.size(); }
};

class BprSampler {
 public:
  BprSampler(const BipartiteGraph& graph, uint64_t seed);
  BprTriples sample_epoch();

 private:
  const BipartiteGraph& graph_;
  Rng rng_;
  std::vector<int32_t> active_users_;  // users with at least one training edge
  std::vector<int64_t> edge_ptr_;      // per active user, its edges (with multiplicity)
  std::vector<int32_t> edge_item_;
};

}  // namespace bcemb
