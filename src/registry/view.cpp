#include "bcemb/registry/view.h"

#include <sys/stat.h>

#include "bcemb/util/error.h"

namespace bcemb {

HeadStamp HeadStamp::of(const std::string& registry_dir) {
  HeadStamp h;
  struct stat st {};
  if (::stat(registry_head_path(registry_dir).c_str(), &st) != 0) return h;
  h.present = true;
  h.inode = static_cast<uint64_t>(st.st_ino);
  h.size = static_cast<uint64_t>(st.st_size);
  h.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return h;
}

std::shared_ptr<const RegistryView> RegistryView::load(const std::string& dir) {
  const Registry reg(dir);
  auto s = std::make_shared<RegistryView>();
  s->generation = reg.generation();
  s->versions = reg.list();
  s->latest = reg.latest();
  if (s->latest < 0) throw Error("registry " + dir + " has no version to serve");
  const RegistryVersion& top = s->versions.back();
  for (const std::string kind : {"users", "items"}) {
    if (top.files.count(kind == "users" ? "user_emb" : "item_emb") == 0) continue;
    Table& t = kind == "users" ? s->users : s->items;
    t.present = true;
    t.z = reg.table(top, kind);
    t.ids = reg.ids(top, kind);
    for (size_t i = 0; i < t.ids.size(); ++i) t.index.emplace(t.ids[i], static_cast<int64_t>(i));
  }
  s->chain = std::make_shared<const TransformChain>(reg.chain());
  for (int j = 0; j <= s->latest; ++j) s->to_version.push_back(s->chain->composed(s->latest, j));
  return s;
}

const RegistryView::Table& RegistryView::table(const std::string& kind) const {
  if (kind != "users" && kind != "items") throw Error("kind must be users or items, got '" + kind + "'");
  const Table& t = kind == "users" ? users : items;
  if (!t.present) throw Error("the registry's latest version has no " + kind + " table");
  return t;
}

void RegistryView::check_version(int version) const {
  if (version < 0 || version > latest)
    throw Error("version " + std::to_string(version) + " does not exist (versions 0.." + std::to_string(latest) + ")");
}

int RegistryView::lookup(const std::string& kind, const std::string& id, int j, float* out, std::string& error) const {
  const Table& t = kind == "users" ? users : items;
  if (!t.present) {
    error = "the registry's latest version has no " + kind + " table";
    return 404;
  }
  if (j < 0 || j > latest) {
    error = "version " + std::to_string(j) + " does not exist (versions 0.." + std::to_string(latest) + ")";
    return 404;
  }
  const auto it = t.index.find(id);
  if (it == t.index.end()) {
    error = "unknown " + kind.substr(0, kind.size() - 1) + " id '" + id + "'";
    return 404;
  }
  const Matrix& m = to_version[static_cast<size_t>(j)];
  const float* x = t.z.row(it->second);
  for (int64_t r = 0; r < m.rows; ++r) {
    const float* w = m.row(r);
    float acc = 0.0f;
    for (int64_t c = 0; c < m.cols; ++c) acc += w[c] * x[c];
    out[r] = acc;
  }
  return 0;
}

}  // namespace bcemb
