#include "bcemb/graph/bipartite_graph.h"

#include <algorithm>

#include "bcemb/data/dataset.h"
#include "bcemb/util/error.h"
#include "bcemb/util/rng.h"
#include "bcemb/versions/time_slices.h"

namespace bcemb {

BipartiteGraph::BipartiteGraph(int32_t num_users, int32_t num_items,
                               const std::vector<std::pair<int32_t, int32_t>>& edges)
    : num_users_(num_users), num_items_(num_items), num_edges_(static_cast<int64_t>(edges.size())) {
  const int64_t n = num_nodes();
  CsrMatrix a;
  a.rows = a.cols = n;
  a.indptr.assign(static_cast<size_t>(n + 1), 0);
  edge_users_.reserve(edges.size());
  edge_items_.reserve(edges.size());
  for (const auto& [u, i] : edges) {
    if (u < 0 || u >= num_users || i < 0 || i >= num_items)
      throw Error("graph edge (" + std::to_string(u) + ", " + std::to_string(i) + ") outside " +
                  std::to_string(num_users) + " users x " + std::to_string(num_items) + " items");
    ++a.indptr[u + 1];
    ++a.indptr[static_cast<int64_t>(num_users) + i + 1];
    edge_users_.push_back(u);
    edge_items_.push_back(i);
  }
  for (int64_t r = 0; r < n; ++r) a.indptr[r + 1] += a.indptr[r];
  a.indices.resize(static_cast<size_t>(a.indptr[n]));
  a.values.resize(a.indices.size());
  std::vector<int64_t> next(a.indptr.begin(), a.indptr.end() - 1);
  for (const auto& [u, i] : edges) {
    const int64_t item_node = static_cast<int64_t>(num_users) + i;
    a.indices[next[u]++] = static_cast<int32_t>(item_node);
    a.indices[next[item_node]++] = u;
  }
  // Each neighbour list in random order (fixed seed): a sampled plan then
  // reads k neighbours as one random window of the list, a cache line or two,
  // where k scattered reads of a long list would each miss the cache.
  Rng rng(0x9e1ab0u);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t begin = a.indptr[r], deg = a.indptr[r + 1] - begin;
    for (int64_t e = begin; e < a.indptr[r + 1]; ++e) a.values[e] = 1.0f / static_cast<float>(deg);
    for (int64_t i = deg - 1; i > 0; --i)
      std::swap(a.indices[begin + i], a.indices[begin + static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)))]);
  }
  // distinct sorted positives per user
  pos_ptr_.assign(static_cast<size_t>(num_users) + 1, 0);
  for (int32_t u = 0; u < num_users; ++u) {
    std::vector<int32_t> items;
    for (int64_t e = a.indptr[u]; e < a.indptr[u + 1]; ++e) items.push_back(a.indices[e] - num_users);
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    pos_items_.insert(pos_items_.end(), items.begin(), items.end());
    pos_ptr_[u + 1] = static_cast<int64_t>(pos_items_.size());
  }
  adj_ = std::make_shared<SparsePair>(std::move(a));
}

BipartiteGraph BipartiteGraph::for_version(const Dataset& ds, const Version& v) {
  std::vector<std::pair<int32_t, int32_t>> edges;
  edges.reserve(v.train.size());
  for (const int64_t e : v.train) edges.emplace_back(ds.interactions[e].user, ds.interactions[e].item);
  return BipartiteGraph(v.num_users, v.num_items, edges);
}

bool BipartiteGraph::has_edge(int32_t u, int32_t item) const {
  return std::binary_search(positives_begin(u), positives_end(u), item);
}

}  // namespace bcemb
