#pragma once
// A registry of embedding versions: a SQLite catalog (catalog.sqlite) and
// content-addressed data files (objects/<sha256>.<ext>; .npy tables and
// transforms, .tsv id maps). Only the latest version needs its embedding
// tables; older versions are served through the backward transforms
// z~_j = B_{j+1} ... B_k z_k (gc drops their tables).
//
// Publishing is crash-safe: data files are written to a temporary name,
// fsynced and renamed (an object's name is its checksum, so nothing is ever
// overwritten), then one catalog transaction makes the version visible; a
// process killed at any point leaves every earlier version intact and no
// half-published one. HEAD (a small file rewritten atomically after each
// change) carries the catalog generation so readers can notice changes cheaply.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bcemb/compat/composition.h"
#include "bcemb/io/npy.h"

namespace bcemb {

namespace impl {
class Database;
}

// Roles of data files: user_emb, item_emb (tables), user_ids, item_ids (id maps),
// transform (B_k), model (checkpoint), gauge (G_k of a strategy with the
// `gauge` option: the tables are the model's output, users times G_k and
// items times G_k^-T).
struct RegistryFile {
  std::string role;
  std::string object;  // path relative to the registry folder
  std::string sha256;
  int64_t bytes = 0;
};

struct RegistryVersion {
  int version = 0;
  int parent = -1;
  int64_t dim = 0;
  int64_t users = 0, items = 0;
  std::string strategy;
  std::string lineage;  // identity of the training run (fingerprint + strategy), or "external"
  std::string source;
  std::string created_at;  // UTC, ISO-8601
  nlohmann::json metrics;
  std::map<std::string, RegistryFile> files;
  bool has_tables() const { return files.count("user_emb") + files.count("item_emb") > 0; }
};

struct VerifyReport {
  std::vector<std::string> problems;  // each names the version, role and file
  int versions = 0;
  int files = 0;
  bool ok() const { return problems.empty(); }
};

struct GcReport {
  int versions_trimmed = 0;
  int objects_removed = 0;
  int64_t bytes_freed = 0;
};

struct ExternalPublish {
  // At least one table: the items' and/or the users' embeddings of the new model.
  std::string item_embeddings, item_ids, user_embeddings, user_ids;
  int previous_version = -1;  // must be the registry's latest version
  std::string fit = "lstsq";  // lstsq | procrustes
  std::string source_name;    // free text for the catalog
};

struct ExternalReport {
  int version = 0;
  int64_t matched = 0;            // ids found in the previous version, used for the fit
  double alignment_error = 0;     // mean L2 distance of B z_new to z_prev over matched ids
  double relative_error = 0;      // alignment error / mean norm of z_prev
  std::string fit;
};

class Registry {
 public:
  static void init(const std::string& dir);  // Error if it already holds a registry
  explicit Registry(const std::string& dir);  // Error if dir is not a registry
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  const std::string& dir() const { return dir_; }
  std::vector<RegistryVersion> list() const;
  std::optional<RegistryVersion> get(int version) const;
  int latest() const;  // -1 when empty
  uint64_t generation() const;

  // Publishes version k of a training run directory as registry version k.
  RegistryVersion publish_run(const std::string& run_dir, int k);
  ExternalReport publish_external(const ExternalPublish& request);
  GcReport gc();
  VerifyReport verify() const;

  // Readers: each checks the file's checksum and shape, naming version and file on failure.
  Matrix table(const RegistryVersion& v, const std::string& kind /* users|items */) const;
  std::vector<std::string> ids(const RegistryVersion& v, const std::string& kind) const;
  TransformChain chain() const;  // B_1 .. B_latest
  std::string object_path(const RegistryFile& f) const { return dir_ + "/" + f.object; }

  // Test hook: crash (SIGKILL) at the n-th publish step (n >= 1), to prove crash safety.
  static void set_crash_point(int n);

 private:
  RegistryFile store(const std::string& role, const std::string& bytes, const std::string& ext);
  void commit_version(const RegistryVersion& v);
  void write_head();
  std::string read_checked(const RegistryVersion& v, const std::string& role) const;
  std::string dir_;
  std::unique_ptr<impl::Database> db_;
};

std::string registry_head_path(const std::string& dir);

}  // namespace bcemb
