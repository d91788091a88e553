#include "bcemb/train/version_graph.h"

#include "bcemb/data/dataset.h"
#include "bcemb/util/huge_pages.h"

namespace bcemb {

namespace {

void use_huge_pages_for(const CsrMatrix& m) {
  use_huge_pages(m.indptr.data(), m.indptr.size() * sizeof(m.indptr[0]));
  use_huge_pages(m.indices.data(), m.indices.size() * sizeof(m.indices[0]));
  use_huge_pages(m.values.data(), m.values.size() * sizeof(m.values[0]));
}

}  // namespace

VersionGraph::VersionGraph(const Dataset& ds, const Version& v, const InputSchema& schema)
    : index(v.index), graph(BipartiteGraph::for_version(ds, v)),
      inputs(node_input_matrix(ds, schema, v.num_users, v.num_items)), plans(graph, inputs) {
  val.reserve(v.val.size());
  for (const int64_t e : v.val) val.emplace_back(ds.interactions[e].user, ds.interactions[e].item);
  // Steps read neighbour lists and input rows at random.
  use_huge_pages_for(graph.adjacency()->fwd);
  use_huge_pages_for(plans.neigh_inputs->fwd);
}

}  // namespace bcemb
