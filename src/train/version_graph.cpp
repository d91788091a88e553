#include "bcemb/train/version_graph.h"

#include "bcemb/data/dataset.h"

namespace bcemb {

VersionGraph::VersionGraph(const Dataset& ds, const Version& v, const InputSchema& schema)
    : index(v.index), graph(BipartiteGraph::for_version(ds, v)),
      inputs(node_input_matrix(ds, schema, v.num_users, v.num_items)), plans(graph, inputs) {
  val.reserve(v.val.size());
  for (const int64_t e : v.val) val.emplace_back(ds.interactions[e].user, ds.interactions[e].item);
}

}  // namespace bcemb
