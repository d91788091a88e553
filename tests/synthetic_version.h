#pragma once
// A small synthetic dataset and the graph of its first version, for model tests.
#include <memory>

#include "bcemb/data/synthetic.h"
#include "bcemb/train/version_graph.h"
#include "test_util.h"

namespace bcemb::test {

struct SyntheticVersion {
  Dataset ds;
  std::vector<Version> versions;
  InputSchema schema;
  std::unique_ptr<VersionGraph> vg;
  SyntheticVersion(const SyntheticConfig& c, double train_until, double val_until) {
    ds = generate_synthetic(c);
    SliceSpec s;
    s.fractions = {train_until, val_until};
    versions = make_versions(ds, s);
    schema = InputSchema::from_dataset(ds, "auto");
    vg = std::make_unique<VersionGraph>(ds, versions[0], schema);
  }
};

}  // namespace bcemb::test
