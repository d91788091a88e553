#include "bcemb/graph/node_inputs.h"

#include "bcemb/data/dataset.h"
#include "bcemb/util/error.h"

namespace bcemb {

int64_t InputSchema::table_rows() const {
  int64_t n = 1;
  for (const int64_t s : sizes) n += s;
  return n;
}

InputSchema InputSchema::from_dataset(const Dataset& ds, const std::string& item_id_mode) {
  if (item_id_mode != "auto" && item_id_mode != "on" && item_id_mode != "off")
    throw Error("--item-id-feature must be auto, on or off (got '" + item_id_mode + "')");
  InputSchema s;
  int64_t next = 1;
  for (const auto& a : ds.item_attributes) {
    s.kinds.push_back(a.kind);
    s.sizes.push_back(static_cast<int64_t>(a.values.size()));
    s.offsets.push_back(next);
    next += static_cast<int64_t>(a.values.size());
  }
  s.item_id_feature = item_id_mode == "on" || (item_id_mode == "auto" && ds.item_attributes.empty());
  if (s.item_id_feature) {
    s.kinds.push_back("item_id");
    s.sizes.push_back(ds.num_items());
    s.offsets.push_back(next);
  }
  return s;
}

CsrMatrix node_input_matrix(const Dataset& ds, const InputSchema& schema, int32_t num_users, int32_t num_items) {
  CsrMatrix m;
  m.rows = static_cast<int64_t>(num_users) + num_items;
  m.cols = schema.table_rows();
  for (int32_t u = 0; u < num_users; ++u) {
    m.indices.push_back(0);
    m.values.push_back(1.0f);
    m.indptr.push_back(m.nnz());
  }
  for (int32_t i = 0; i < num_items; ++i) {
    for (size_t k = 0; k < ds.item_attributes.size(); ++k) {
      const ItemAttribute& a = ds.item_attributes[k];
      const int64_t c = a.count(i);
      for (int64_t p = a.offsets[i]; p < a.offsets[i + 1]; ++p) {
        m.indices.push_back(static_cast<int32_t>(schema.offsets[k] + a.value_ids[p]));
        m.values.push_back(1.0f / static_cast<float>(c));
      }
    }
    if (schema.item_id_feature) {
      m.indices.push_back(static_cast<int32_t>(schema.offsets.back() + i));
      m.values.push_back(1.0f);
    }
    m.indptr.push_back(m.nnz());
  }
  return m;
}

}  // namespace bcemb
