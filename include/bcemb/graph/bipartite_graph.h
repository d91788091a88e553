#pragma once
// Version k's training graph: users and items as one node set (users
// [0, num_users), item i at node num_users + i), edges in both directions.
// Repeated (user, item) edges count with their multiplicity in the mean.
#include <cstdint>
#include <utility>
#include <vector>

#include "bcemb/graph/csr.h"

namespace bcemb {

struct Dataset;
struct Version;

class BipartiteGraph {
 public:
  BipartiteGraph(int32_t num_users, int32_t num_items, const std::vector<std::pair<int32_t, int32_t>>& edges);
  // Training graph of a version: its train edges, all nodes known at t_{k+1}.
  static BipartiteGraph for_version(const Dataset& ds, const Version& v);

  int32_t num_users() const { return num_users_; }
  int32_t num_items() const { return num_items_; }
  int64_t num_nodes() const { return static_cast<int64_t>(num_users_) + num_items_; }
  int64_t num_edges() const { return num_edges_; }
  // Mean-aggregation operator: row r holds r's neighbours with weight 1/deg(r).
  const SparsePairPtr& adjacency() const { return adj_; }
  // Sorted distinct items of user u.
  const int32_t* positives_begin(int32_t u) const { return pos_items_.data() + pos_ptr_[u]; }
  const int32_t* positives_end(int32_t u) const { return pos_items_.data() + pos_ptr_[u + 1]; }
  int64_t num_positives(int32_t u) const { return pos_ptr_[u + 1] - pos_ptr_[u]; }
  bool has_edge(int32_t u, int32_t item) const;
  const std::vector<int32_t>& edge_users() const { return edge_users_; }  // per train edge
  const std::vector<int32_t>& edge_items() const { return edge_items_; }

 private:
  int32_t num_users_, num_items_;
  int64_t num_edges_;
  SparsePairPtr adj_;
  std::vector<int64_t> pos_ptr_;
  std::vector<int32_t> pos_items_;
  std::vector<int32_t> edge_users_, edge_items_;
};

}  // namespace bcemb
