#pragma once
// Everything the training loop needs about one version: its training graph,
// the node inputs over it, and its validation pairs.
#include <utility>
#include <vector>

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/graph/computation_plan.h"
#include "bcemb/graph/node_inputs.h"
#include "bcemb/versions/time_slices.h"

namespace bcemb {

struct VersionGraph {
  VersionGraph(const Dataset& ds, const Version& v, const InputSchema& schema);
  int index;
  BipartiteGraph graph;
  CsrMatrix inputs;
  std::vector<std::pair<int32_t, int32_t>> val;
  PlanSource plans;
  ComputationPlan full_plan(int layers) const { return plans.full_plan(layers); }
};

}  // namespace bcemb
