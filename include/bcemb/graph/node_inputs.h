#pragma once
// Node input features as a sparse matrix over one learned table E:
//   row 0 of E             the shared user vector (users are inductive);
//   rows of each kind      item attribute value embeddings.
// A user's input is E[0]; an item's input is the sum over attribute kinds of
// the mean of its values' rows. So inputs = S @ E with S sparse, and any
// linear map of the inputs can be applied to E first (cheap when E is small).
#include <cstdint>
#include <string>
#include <vector>

#include "bcemb/graph/csr.h"

namespace bcemb {

struct Dataset;

struct InputSchema {
  std::vector<std::string> kinds;
  std::vector<int64_t> sizes;    // vocabulary size per kind
  std::vector<int64_t> offsets;  // first row of each kind in E
  // With no item attributes every item would look the same to the GNN, so a
  // per-item id embedding is used instead (transductive for items).
  bool item_id_feature = false;
  int64_t table_rows() const;
  static InputSchema from_dataset(const Dataset& ds, const std::string& item_id_mode /* auto|on|off */);
};

// Rows: num_users users then num_items items (node order of BipartiteGraph).
CsrMatrix node_input_matrix(const Dataset& ds, const InputSchema& schema, int32_t num_users, int32_t num_items);

}  // namespace bcemb
