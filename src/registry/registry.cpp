#include "bcemb/registry/registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "bcemb/compat/closed_form.h"
#include "bcemb/io/atomic_file.h"
#include "bcemb/train/run_dir.h"
#include "bcemb/util/error.h"
#include "bcemb/util/sha256.h"
#include "impl/sqlite.h"

namespace bcemb {

namespace fs = std::filesystem;

namespace {

const char* kFormat = "bcemb-registry/1";
int g_crash_at = 0;
int g_step = 0;

// Writers (publish, gc) of one registry take turns on an exclusive flock of
// <dir>/LOCK, held for the whole operation: two publishes of the same next
// version cannot both pass the "next version" check, and gc cannot delete
// the objects of a publish that has not committed yet. Readers never lock.
class WriterLock {
 public:
  explicit WriterLock(const std::string& dir) {
    const std::string path = dir + "/LOCK";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("registry " + dir + ": cannot open " + path + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd_);
      throw Error("registry " + dir + ": cannot lock " + path + ": " + why);
    }
  }
  ~WriterLock() { ::close(fd_); }  // closing releases the lock
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  int fd_ = -1;
};

// Fault injection for the crash-safety test: die like kill -9 at step n.
void crash_point() {
  if (g_crash_at > 0 && ++g_step == g_crash_at) ::raise(SIGKILL);
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string catalog_path(const std::string& dir) { return dir + "/catalog.sqlite"; }

std::string role_of_kind(const std::string& kind, const char* what) {
  if (kind == "users") return std::string("user_") + what;
  if (kind == "items") return std::string("item_") + what;
  throw Error("kind must be users or items, got '" + kind + "'");
}

// Id map bytes: "index<TAB>id" with a header, as run directories write them.
std::string id_map_bytes(const std::vector<std::string>& ids) {
  std::string out = "index\tid\n";
  for (size_t i = 0; i < ids.size(); ++i) out += std::to_string(i) + "\t" + ids[i] + "\n";
  return out;
}

std::vector<std::string> parse_id_map(const std::string& bytes, const std::string& where) {
  std::vector<std::string> ids;
  size_t pos = 0;
  int64_t line = 0;
  bool header = true;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string::npos) nl = bytes.size();
    std::string l = bytes.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty()) continue;
    if (header) {
      header = false;
      if (l == "index\tid") continue;
    }
    const auto tab = l.find('\t');
    std::string id = tab == std::string::npos ? l : l.substr(tab + 1);
    if (id.empty()) throw InputError(where, line, "id", "empty id");
    ids.push_back(std::move(id));
  }
  return ids;
}

void check_finite(const Matrix& m, const std::string& where) {
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c)
      if (!std::isfinite(m.at(r, c)))
        throw Error(where + ": row " + std::to_string(r) + ", column " + std::to_string(c) + " is not a finite number");
}

}  // namespace

std::string registry_head_path(const std::string& dir) { return dir + "/HEAD"; }

void Registry::set_crash_point(int n) {
  g_crash_at = n;
  g_step = 0;
}

void Registry::init(const std::string& dir) {
  if (path_exists(catalog_path(dir))) throw Error(dir + " already holds a registry (catalog.sqlite exists)");
  make_dirs(dir + "/objects");
  const std::string tmp = catalog_path(dir) + ".init." + std::to_string(::getpid());
  std::remove(tmp.c_str());
  {
    impl::Database db(tmp, true);
    db.exec(
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE versions(version INTEGER PRIMARY KEY, parent INTEGER, dim INTEGER NOT NULL,"
        " users INTEGER NOT NULL, items INTEGER NOT NULL, strategy TEXT NOT NULL, lineage TEXT NOT NULL,"
        " source TEXT NOT NULL, created_at TEXT NOT NULL, metrics TEXT NOT NULL);"
        "CREATE TABLE files(version INTEGER NOT NULL REFERENCES versions(version), role TEXT NOT NULL,"
        " object TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(version, role));");
    db.prepare("INSERT INTO meta VALUES('format', ?)").bind(1, std::string(kFormat)).run();
    db.prepare("INSERT INTO meta VALUES('generation', '0')").run();
  }
  {
    AtomicFile f(tmp);  // fsync the fresh catalog before it gets its name
    f.write(read_file(tmp));
    f.commit();
  }
  if (std::rename(tmp.c_str(), catalog_path(dir).c_str()) != 0) throw Error("cannot create " + catalog_path(dir));
  fsync_dir(dir);
  write_file_atomic(registry_head_path(dir), "0\n");
}

Registry::Registry(const std::string& dir) : dir_(dir) {
  if (!path_exists(catalog_path(dir)))
    throw Error(dir + " is not a registry (no catalog.sqlite; create one with 'bcemb registry init')");
  db_ = std::make_unique<impl::Database>(catalog_path(dir), false);
  db_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  auto st = db_->prepare("SELECT value FROM meta WHERE key='format'");
  if (!st.step() || st.text(0) != kFormat) throw Error(catalog_path(dir) + ": not a " + std::string(kFormat) + " catalog");
  // A crash between a commit and the HEAD update leaves HEAD behind: repair it.
  const std::string head = path_exists(registry_head_path(dir)) ? read_file(registry_head_path(dir)) : "";
  if (head != std::to_string(generation()) + "\n") write_head();
}

Registry::~Registry() = default;

uint64_t Registry::generation() const {
  auto st = db_->prepare("SELECT value FROM meta WHERE key='generation'");
  if (!st.step()) db_->fail("no generation");
  const std::string text = st.text(0);
  uint64_t g = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), g);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw Error(catalog_path(dir_) + ": meta generation '" + text.substr(0, 40) + "' is not a number (corrupt catalog?)");
  return g;
}

void Registry::write_head() { write_file_atomic(registry_head_path(dir_), std::to_string(generation()) + "\n"); }

std::vector<RegistryVersion> Registry::list() const {
  std::vector<RegistryVersion> out;
  auto st = db_->prepare(
      "SELECT version, parent, dim, users, items, strategy, lineage, source, created_at, metrics FROM versions "
      "ORDER BY version");
  while (st.step()) {
    RegistryVersion v;
    v.version = static_cast<int>(st.int64(0));
    v.parent = st.is_null(1) ? -1 : static_cast<int>(st.int64(1));
    v.dim = st.int64(2);
    v.users = st.int64(3);
    v.items = st.int64(4);
    v.strategy = st.text(5);
    v.lineage = st.text(6);
    v.source = st.text(7);
    v.created_at = st.text(8);
    try {
      v.metrics = nlohmann::json::parse(st.text(9));
    } catch (const nlohmann::json::exception&) {  // damaged: syntax or numbers out of range
      v.metrics = nullptr;
    }
    out.push_back(std::move(v));
  }
  std::unordered_map<int, size_t> at;
  for (size_t i = 0; i < out.size(); ++i) at[out[i].version] = i;
  auto f = db_->prepare("SELECT version, role, object, sha256, bytes FROM files");
  while (f.step()) {
    const auto it = at.find(static_cast<int>(f.int64(0)));
    if (it == at.end()) continue;
    RegistryFile file{f.text(1), f.text(2), f.text(3), f.int64(4)};
    out[it->second].files[file.role] = file;
  }
  return out;
}

std::optional<RegistryVersion> Registry::get(int version) const {
  for (auto& v : list())
    if (v.version == version) return v;
  return std::nullopt;
}

int Registry::latest() const {
  auto st = db_->prepare("SELECT MAX(version) FROM versions");
  st.step();
  return st.is_null(0) ? -1 : static_cast<int>(st.int64(0));
}

RegistryFile Registry::store(const std::string& role, const std::string& bytes, const std::string& ext) {
  const std::string sha = sha256_hex(bytes);
  RegistryFile f{role, "objects/" + sha + ext, sha, static_cast<int64_t>(bytes.size())};
  const std::string path = object_path(f);
  if (path_exists(path)) {
    // Same name, same content: nothing to write. Never overwrite a differing file.
    if (sha256_file(path) != sha)
      throw Error(path + " exists with other content (corrupt object); run 'bcemb registry verify' and repair it first");
  } else {
    AtomicFile out(path);
    out.write(bytes);
    crash_point();
    out.commit();
  }
  crash_point();
  return f;
}

void Registry::commit_version(const RegistryVersion& v) {
  crash_point();
  {
    impl::Transaction tx(*db_);
    auto exists = db_->prepare("SELECT 1 FROM versions WHERE version=?");
    exists.bind(1, static_cast<int64_t>(v.version));
    if (exists.step()) throw Error("registry " + dir_ + " already has version " + std::to_string(v.version));
    auto ins = db_->prepare("INSERT INTO versions VALUES(?,?,?,?,?,?,?,?,?,?)");
    ins.bind(1, static_cast<int64_t>(v.version));
    if (v.parent >= 0) ins.bind(2, static_cast<int64_t>(v.parent));
    else ins.bind_null(2);
    ins.bind(3, v.dim).bind(4, v.users).bind(5, v.items).bind(6, v.strategy).bind(7, v.lineage).bind(8, v.source);
    ins.bind(9, v.created_at).bind(10, v.metrics.dump());
    ins.run();
    for (const auto& [role, f] : v.files) {
      db_->prepare("INSERT INTO files VALUES(?,?,?,?,?)")
          .bind(1, static_cast<int64_t>(v.version))
          .bind(2, role)
          .bind(3, f.object)
          .bind(4, f.sha256)
          .bind(5, f.bytes)
          .run();
    }
    db_->exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'");
    crash_point();
    tx.commit();
  }
  crash_point();
  write_head();
}

RegistryVersion Registry::publish_run(const std::string& run_dir, int k) {
  const WriterLock lock(dir_);
  const RunDir rd(run_dir);
  if (!rd.complete()) throw Error(run_dir + ": the run is not complete (run.json missing or not complete)");
  const auto manifest = rd.manifest();
  const int n = rd.versions();
  if (k < 0 || k >= n)
    throw Error(run_dir + ": version " + std::to_string(k) + " does not exist (versions 0.." + std::to_string(n - 1) + ")");
  const int last = latest();
  if (last != k - 1)
    throw Error("registry " + dir_ + " holds versions up to " + std::to_string(last) + "; publish version " +
                std::to_string(last + 1) + " next (versions are published in order)");
  RegistryVersion v;
  v.version = k;
  v.parent = k - 1;
  v.dim = manifest["versions"][k].at("dim").get<int64_t>();
  v.users = manifest["versions"][k].at("users").get<int64_t>();
  v.items = manifest["versions"][k].at("items").get<int64_t>();
  v.strategy = manifest.value("strategy", "");
  v.lineage = manifest.value("fingerprint", "") + "/" + v.strategy;
  v.source = fs::absolute(run_dir).string() + "#v" + std::to_string(k);
  v.created_at = now_utc();
  v.metrics = rd.metrics_json(k);
  v.metrics.erase("curve");
  if (k > 0) {
    const RegistryVersion prev = *get(k - 1);
    if (prev.lineage != v.lineage)
      throw Error("version " + std::to_string(k - 1) + " in the registry comes from another run (" + prev.lineage +
                  "), so B_" + std::to_string(k) + " of " + run_dir +
                  " does not map into it; use 'registry publish-external' for foreign embeddings");
    const Matrix b = rd.transform(k);
    if (b.rows != prev.dim || b.cols != v.dim)
      throw Error(rd.file(k, "B.npy") + ": shape " + std::to_string(b.rows) + "x" + std::to_string(b.cols) + ", expected " +
                  std::to_string(prev.dim) + "x" + std::to_string(v.dim));
  }
  // Read and check everything before writing anything.
  const Matrix users = rd.embeddings(k, "users"), items = rd.embeddings(k, "items");
  if (users.rows != v.users || users.cols != v.dim || items.rows != v.items || items.cols != v.dim)
    throw Error(rd.version_dir(k) + ": embedding tables do not match run.json's shape for version " + std::to_string(k));
  check_finite(users, rd.file(k, "user_emb.npy"));
  check_finite(items, rd.file(k, "item_emb.npy"));
  const bool gauged = path_exists(rd.file(k, "G.npy"));
  if (gauged) {
    const Matrix g = read_matrix_npy(rd.file(k, "G.npy"));
    if (g.rows != v.dim || g.cols != v.dim)
      throw Error(rd.file(k, "G.npy") + ": shape " + std::to_string(g.rows) + "x" + std::to_string(g.cols) +
                  ", expected " + std::to_string(v.dim) + "x" + std::to_string(v.dim));
  }
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"user_emb", "user_emb.npy"}, {"item_emb", "item_emb.npy"}, {"user_ids", "users.tsv"},
      {"item_ids", "items.tsv"},    {"model", "model.pt"},        {"transform", "B.npy"}};
  for (const auto& [role, name] : inputs) {
    if (role == "transform" && k == 0) continue;
    const std::string path = rd.file(k, name);
    const auto dot = name.find('.');
    v.files[role] = store(role, read_file(path), name.substr(dot));
  }
  if (gauged) v.files["gauge"] = store("gauge", read_file(rd.file(k, "G.npy")), ".npy");
  commit_version(v);
  return v;
}

ExternalReport Registry::publish_external(const ExternalPublish& r) {
  const WriterLock lock(dir_);
  const int last = latest();
  if (last < 0) throw Error("registry " + dir_ + " is empty: an external version needs a previous version to align to");
  if (r.previous_version != last)
    throw Error("--previous-version " + std::to_string(r.previous_version) + " is not the registry's latest version (" +
                std::to_string(last) + ")");
  if (r.fit != "lstsq" && r.fit != "procrustes") throw Error("--fit must be lstsq or procrustes, got '" + r.fit + "'");
  const RegistryVersion prev = *get(last);
  struct Part {
    std::string kind, emb_path, ids_path;
    Matrix z;
    std::vector<std::string> ids;
  };
  std::vector<Part> parts;
  if (!r.user_embeddings.empty()) parts.push_back({"users", r.user_embeddings, r.user_ids, {}, {}});
  if (!r.item_embeddings.empty()) parts.push_back({"items", r.item_embeddings, r.item_ids, {}, {}});
  if (parts.empty()) throw Error("publish-external needs --embeddings (items) and/or --user-embeddings");
  int64_t dim = -1;
  std::vector<const float*> x_rows, y_rows;
  std::vector<Matrix> prev_tables;
  for (auto& p : parts) {
    if (p.ids_path.empty()) throw Error(p.emb_path + ": the ids file of these embeddings is missing (--ids)");
    p.z = read_matrix_npy(p.emb_path);
    check_finite(p.z, p.emb_path);
    p.ids = parse_id_map(read_file(p.ids_path), p.ids_path);
    if (static_cast<int64_t>(p.ids.size()) != p.z.rows)
      throw Error(p.ids_path + ": " + std::to_string(p.ids.size()) + " ids for " + std::to_string(p.z.rows) + " rows of " +
                  p.emb_path);
    if (dim >= 0 && p.z.cols != dim) throw Error(p.emb_path + ": dimension differs from the other table's");
    dim = p.z.cols;
    prev_tables.push_back(table(prev, p.kind));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto prev_ids = ids(prev, parts[i].kind);
    std::unordered_map<std::string, int64_t> at;
    for (size_t j = 0; j < prev_ids.size(); ++j) at.emplace(prev_ids[j], static_cast<int64_t>(j));
    for (size_t j = 0; j < parts[i].ids.size(); ++j) {
      const auto it = at.find(parts[i].ids[j]);
      if (it == at.end()) continue;
      x_rows.push_back(parts[i].z.row(static_cast<int64_t>(j)));
      y_rows.push_back(prev_tables[i].row(it->second));
    }
  }
  const ClosedFormFit fit = fit_backward(x_rows, y_rows, dim, prev.dim, r.fit);
  ExternalReport rep;
  rep.version = last + 1;
  rep.matched = static_cast<int64_t>(x_rows.size());
  rep.alignment_error = fit.alignment_error;
  rep.relative_error = fit.relative_error;
  rep.fit = r.fit;

  RegistryVersion v;
  v.version = last + 1;
  v.parent = last;
  v.dim = dim;
  v.strategy = "external:" + r.fit;
  v.lineage = "external";
  v.source = r.source_name.empty() ? (parts[0].emb_path) : r.source_name;
  v.created_at = now_utc();
  v.metrics = {{"fit", r.fit},
               {"matched_ids", rep.matched},
               {"alignment_error", rep.alignment_error},
               {"relative_error", rep.relative_error}};
  for (const auto& p : parts) {
    (p.kind == "users" ? v.users : v.items) = p.z.rows;
    v.files[role_of_kind(p.kind, "emb")] = store(role_of_kind(p.kind, "emb"), read_file(p.emb_path), ".npy");
    v.files[role_of_kind(p.kind, "ids")] = store(role_of_kind(p.kind, "ids"), id_map_bytes(p.ids), ".tsv");
  }
  v.files["transform"] = store("transform", npy_bytes(fit.b.data.data(), {fit.b.rows, fit.b.cols}, "<f4"), ".npy");
  commit_version(v);
  return rep;
}

GcReport Registry::gc() {
  const WriterLock lock(dir_);
  GcReport rep;
  const int last = latest();
  {
    impl::Transaction tx(*db_);
    auto count = db_->prepare("SELECT COUNT(DISTINCT version) FROM files WHERE version < ? AND role IN "
                              "('user_emb','item_emb','user_ids','item_ids','model','gauge')");
    count.bind(1, static_cast<int64_t>(last));
    count.step();
    rep.versions_trimmed = static_cast<int>(count.int64(0));
    auto del = db_->prepare(
        "DELETE FROM files WHERE version < ? AND role IN ('user_emb','item_emb','user_ids','item_ids','model','gauge')");
    del.bind(1, static_cast<int64_t>(last)).run();
    db_->exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'");
    tx.commit();
  }
  write_head();
  // Unreferenced objects (and temporaries of interrupted writes) go after the commit.
  std::set<std::string> live;
  auto st = db_->prepare("SELECT object FROM files");
  while (st.step()) live.insert(dir_ + "/" + st.text(0));
  for (const auto& e : fs::directory_iterator(dir_ + "/objects")) {
    const std::string p = e.path().string();
    if (live.count(p) != 0) continue;
    rep.bytes_freed += static_cast<int64_t>(e.file_size());
    fs::remove(e.path());
    ++rep.objects_removed;
  }
  fsync_dir(dir_ + "/objects");
  return rep;
}

std::string Registry::read_checked(const RegistryVersion& v, const std::string& role) const {
  const auto it = v.files.find(role);
  if (it == v.files.end())
    throw Error("registry " + dir_ + ": version " + std::to_string(v.version) + " has no " + role +
                (v.version < latest() && role != "transform" ? " (dropped by gc: serve it through the transforms)" : ""));
  const std::string path = object_path(it->second);
  if (!path_exists(path))
    throw Error("registry " + dir_ + ": version " + std::to_string(v.version) + " " + role + ": file " + path + " is missing");
  std::string bytes = read_file(path);
  if (static_cast<int64_t>(bytes.size()) != it->second.bytes || sha256_hex(bytes) != it->second.sha256)
    throw Error("registry " + dir_ + ": version " + std::to_string(v.version) + " " + role + ": file " + path +
                " is corrupt (checksum mismatch)");
  return bytes;
}

Matrix Registry::table(const RegistryVersion& v, const std::string& kind) const {
  const std::string role = role_of_kind(kind, "emb");
  const std::string bytes = read_checked(v, role);
  const NpyArray a = parse_npy(bytes, object_path(v.files.at(role)));
  const int64_t rows = kind == "users" ? v.users : v.items;
  if (a.dtype != "<f4" || a.shape.size() != 2 || a.shape[0] != rows || a.shape[1] != v.dim)
    throw Error("registry " + dir_ + ": version " + std::to_string(v.version) + " " + role + " has the wrong shape");
  Matrix m(a.shape[0], a.shape[1]);
  std::memcpy(m.data.data(), a.data.data(), a.data.size());
  return m;
}

std::vector<std::string> Registry::ids(const RegistryVersion& v, const std::string& kind) const {
  const std::string role = role_of_kind(kind, "ids");
  const std::string bytes = read_checked(v, role);
  return parse_id_map(bytes, object_path(v.files.at(role)));
}

TransformChain Registry::chain() const {
  const auto versions = list();
  if (versions.empty()) throw Error("registry " + dir_ + " is empty");
  TransformChain c(versions[0].dim);
  for (size_t k = 1; k < versions.size(); ++k) {
    const RegistryVersion& v = versions[k];
    const std::string bytes = read_checked(v, "transform");
    const NpyArray a = parse_npy(bytes, object_path(v.files.at("transform")));
    if (a.dtype != "<f4" || a.shape.size() != 2)
      throw Error("registry " + dir_ + ": version " + std::to_string(v.version) + " transform is not a float32 matrix");
    Matrix b(a.shape[0], a.shape[1]);
    std::memcpy(b.data.data(), a.data.data(), a.data.size());
    c.push(std::move(b));
  }
  return c;
}

VerifyReport Registry::verify() const {
  VerifyReport rep;
  const auto versions = list();
  rep.versions = static_cast<int>(versions.size());
  for (size_t i = 0; i < versions.size(); ++i) {
    const RegistryVersion& v = versions[i];
    const std::string tag = "version " + std::to_string(v.version);
    if (v.version != static_cast<int>(i)) rep.problems.push_back(tag + ": versions are not contiguous from 0");
    if (v.version > 0 && v.files.count("transform") == 0) rep.problems.push_back(tag + ": no transform B_" + std::to_string(v.version));
    if (i + 1 == versions.size() && !v.has_tables()) rep.problems.push_back(tag + " (latest): no embedding table");
    for (const auto& [role, f] : v.files) {
      ++rep.files;
      try {
        const std::string bytes = read_checked(v, role);
        if (role == "user_emb" || role == "item_emb") {
          table(v, role == "user_emb" ? "users" : "items");
        } else if (role == "transform") {
          const NpyArray a = parse_npy(bytes, object_path(f));
          const int64_t want_rows = i > 0 ? versions[i - 1].dim : -1;
          if (a.shape.size() != 2 || a.shape[0] != want_rows || a.shape[1] != v.dim)
            rep.problems.push_back(tag + " transform: " + object_path(f) + " has the wrong shape");
        } else if (role == "gauge") {
          const NpyArray a = parse_npy(bytes, object_path(f));
          if (a.shape.size() != 2 || a.shape[0] != v.dim || a.shape[1] != v.dim)
            rep.problems.push_back(tag + " gauge: " + object_path(f) + " has the wrong shape");
        } else if (role == "user_ids" || role == "item_ids") {
          const auto n = parse_id_map(bytes, object_path(f)).size();
          if (static_cast<int64_t>(n) != (role == "user_ids" ? v.users : v.items))
            rep.problems.push_back(tag + " " + role + ": " + object_path(f) + " has " + std::to_string(n) + " ids");
        }
      } catch (const Error& e) {
        rep.problems.push_back(e.what());
      }
    }
  }
  return rep;
}

}  // namespace bcemb
