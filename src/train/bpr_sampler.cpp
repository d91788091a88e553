#include "bcemb/train/bpr_sampler.h"

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"

namespace bcemb {

BprSampler::BprSampler(const BipartiteGraph& graph, uint64_t seed) : graph_(graph), rng_(seed) {
  const CsrMatrix& adj = graph.adjacency()->fwd;
  edge_ptr_.push_back(0);
  for (int32_t u = 0; u < graph.num_users(); ++u) {
    if (adj.indptr[u + 1] == adj.indptr[u]) continue;
    if (graph.num_positives(u) >= graph.num_items())
      continue;  // no possible negative: such a user carries no ranking signal
    active_users_.push_back(u);
    for (int64_t e = adj.indptr[u]; e < adj.indptr[u + 1]; ++e) edge_item_.push_back(adj.indices[e] - graph.num_users());
    edge_ptr_.push_back(static_cast<int64_t>(edge_item_.size()));
  }
  if (active_users_.empty()) throw Error("BPR sampler: the training graph has no user with a possible negative item");
}

BprTriples BprSampler::sample_epoch() {
  BprTriples t;
  const auto n = static_cast<size_t>(graph_.num_edges());
  t.users.resize(n);
  t.pos.resize(n);
  t.neg.resize(n);
  const auto n_items = static_cast<uint64_t>(graph_.num_items());
  for (size_t s = 0; s < n; ++s) {
    const size_t a = rng_.below(active_users_.size());
    const int32_t u = active_users_[a];
    const int64_t deg = edge_ptr_[a + 1] - edge_ptr_[a];
    t.users[s] = u;
    t.pos[s] = edge_item_[edge_ptr_[a] + static_cast<int64_t>(rng_.below(static_cast<uint64_t>(deg)))];
    int32_t neg;
    do {
      neg = static_cast<int32_t>(rng_.below(n_items));
    } while (graph_.has_edge(u, neg));
    t.neg[s] = neg;
  }
  return t;
}

}  // namespace bcemb
