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
  // The same into t, reusing its storage: on large graphs an epoch's fresh
  // triple arrays cost more in page faults and zeroing than the drawing.
  void sample_epoch(BprTriples& t);

 private:
  // A user with at least one training edge and a possible negative: its
  // lists are lists_[begin, begin + edges) (the items of its edges, with
  // multiplicity) then its `positives` distinct items, sorted. Both in one
  // place, as a triple reads both.
  struct Span {
    int64_t begin = 0, edges = 0;
    int32_t user = 0, positives = 0;
  };
  Rng rng_;
  int64_t num_edges_ = 0;
  int32_t num_items_ = 0;
  std::vector<Span> spans_;
  std::vector<int32_t> lists_;
};

}  // namespace bcemb
