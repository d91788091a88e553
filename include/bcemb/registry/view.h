#pragma once
// An immutable in-memory view of a registry at one catalog generation: every
// version's catalog entry, the latest version's tables with id indexes, and
// the composed transform from the latest version to every version. Loading
// reads and checks every file once; lookups are then thread-safe without
// locks. The HTTP server and the Python module serve from views and replace
// them when HEAD changes.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bcemb/registry/registry.h"

namespace bcemb {

// What stat() says of a registry's HEAD file. Every commit and gc rewrites
// HEAD by rename, so a different stamp means a view is stale.
struct HeadStamp {
  bool present = false;  // HEAD could be stat'ed
  uint64_t inode = 0, size = 0;
  int64_t mtime_ns = 0;
  static HeadStamp of(const std::string& registry_dir);
  bool operator==(const HeadStamp& o) const {
    return present == o.present && inode == o.inode && size == o.size && mtime_ns == o.mtime_ns;
  }
  bool operator!=(const HeadStamp& o) const { return !(*this == o); }
};

struct RegistryView {
  uint64_t generation = 0;
  int latest = -1;
  std::vector<RegistryVersion> versions;
  struct Table {
    bool present = false;
    Matrix z;  // the latest version's embeddings
    std::vector<std::string> ids;
    std::unordered_map<std::string, int64_t> index;  // id -> row of z
  };
  Table users, items;
  std::vector<Matrix> to_version;  // composed(latest, j): dim_j x dim_latest
  std::shared_ptr<const TransformChain> chain;  // B_1 .. B_latest, for any other pair of versions

  // Error if the registry is unreadable or empty.
  static std::shared_ptr<const RegistryView> load(const std::string& dir);

  // The table of kind "users" or "items"; Error on another kind or a table
  // the latest version lacks.
  const Table& table(const std::string& kind) const;
  // Error naming the versions there are.
  void check_version(int version) const;
  int64_t dim(int version) const { return to_version.at(static_cast<size_t>(version)).rows; }
  // Row of `kind` for `id` mapped to `version` into out (dim(version)
  // floats). Returns 0, or an HTTP-style 404 with the reason in error.
  // No exceptions and no BLAS: it runs on server request threads.
  int lookup(const std::string& kind, const std::string& id, int version, float* out, std::string& error) const;
};

}  // namespace bcemb
