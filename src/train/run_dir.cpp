#include "bcemb/train/run_dir.h"

#include <cmath>
#include <fstream>
#include <limits>

#include "bcemb/io/atomic_file.h"
#include "bcemb/io/json_number.h"
#include "bcemb/io/line_reader.h"
#include "bcemb/util/error.h"

namespace bcemb {

nlohmann::json to_json(const VersionMetrics& m) {
  nlohmann::json j;
  j["version"] = m.version;
  j["dim"] = m.dim;
  j["layers"] = m.layers;
  j["users"] = m.users;
  j["items"] = m.items;
  nlohmann::json rec = nlohmann::json::object();
  for (const auto& [k, v] : m.fit.recall.recall) rec["recall@" + std::to_string(k)] = v;
  j["recall"] = rec;
  nlohmann::json se = nlohmann::json::object();
  for (const auto& [k, v] : m.fit.recall.se) se["recall@" + std::to_string(k)] = v;
  j["recall_se"] = se;
  j["eval_users"] = m.fit.recall.users;
  j["best_epoch"] = m.fit.best_epoch;
  j["train_seconds"] = m.fit.train_seconds;
  j["plan"] = m.fit.plan;
  j["fit_alignment"] = m.fit.alignment;
  j["alignment_error"] = m.alignment_error;
  auto by_type = [](const RowAlignment& a) {
    return nlohmann::json{{"mean_distance", a.mean_distance},
                          {"relative", json_number(a.relative)}};
  };
  j["alignment_by_type"] = {{"users", by_type(m.user_alignment)}, {"items", by_type(m.item_alignment)}};
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& p : m.fit.curve)
    curve.push_back({{"epoch", p.epoch}, {"loss", p.loss}, {"recall", p.recall}, {"alignment", p.alignment},
                     {"train_seconds", p.train_seconds}, {"lambda", p.lambda}});
  j["curve"] = curve;
  j["task_loss"] = m.fit.task_loss;
  return j;
}

VersionMetrics version_metrics_from_json(const nlohmann::json& j, const std::string& where) {
  try {
    VersionMetrics m;
    m.version = j.at("version").get<int>();
    m.dim = j.at("dim").get<int64_t>();
    m.layers = j.at("layers").get<int>();
    m.users = j.at("users").get<int32_t>();
    m.items = j.at("items").get<int32_t>();
    for (const auto& [key, v] : j.at("recall").items()) m.fit.recall.recall[std::stoi(key.substr(7))] = v.get<double>();
    if (j.contains("recall_se"))  // absent in metrics written before it was recorded
      for (const auto& [key, v] : j.at("recall_se").items())
        if (v.is_number()) m.fit.recall.se[std::stoi(key.substr(7))] = v.get<double>();  // null: under two users
    m.fit.recall.users = j.at("eval_users").get<int64_t>();
    m.fit.best_epoch = j.at("best_epoch").get<int>();
    m.fit.train_seconds = j.at("train_seconds").get<double>();
    m.fit.plan = j.value("plan", "");
    m.fit.alignment = j.at("fit_alignment").get<double>();
    m.alignment_error = j.at("alignment_error").get<double>();
    if (j.contains("alignment_by_type")) {  // absent in metrics written before it was recorded
      auto by_type = [](const nlohmann::json& t) {
        const auto& rel = t.at("relative");
        return RowAlignment{t.at("mean_distance").get<double>(),
                            rel.is_null() ? std::numeric_limits<double>::quiet_NaN() : rel.get<double>()};
      };
      m.user_alignment = by_type(j.at("alignment_by_type").at("users"));
      m.item_alignment = by_type(j.at("alignment_by_type").at("items"));
    }
    for (const auto& p : j.at("curve"))
      m.fit.curve.push_back({p.at("epoch").get<int>(), p.at("loss").get<double>(), p.at("recall").get<double>(),
                             p.at("alignment").get<double>(), p.at("train_seconds").get<double>(),
                             p.value("lambda", -1.0)});
    m.fit.task_loss = j.value("task_loss", std::vector<double>{});
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": malformed metrics: " + e.what());
  }
}

void write_id_map(const std::string& path, const std::vector<std::string>& ids, size_t count) {
  std::string out = "index\tid\n";
  for (size_t i = 0; i < count; ++i) out += std::to_string(i) + "\t" + ids[i] + "\n";
  write_file_atomic(path, out);
}

std::vector<std::string> read_id_map(const std::string& path) {
  LineReader in(path);
  std::string line;
  if (!in.next(line) || line != "index\tid") throw InputError(path, 1, "", "expected the header 'index<TAB>id'");
  std::vector<std::string> ids;
  while (in.next(line)) {
    if (line.empty()) continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) throw InputError(path, in.line_number(), "", "expected 'index<TAB>id'");
    if (line.substr(0, tab) != std::to_string(ids.size()))
      throw InputError(path, in.line_number(), "index", "expected " + std::to_string(ids.size()));
    ids.push_back(line.substr(tab + 1));
  }
  return ids;
}

namespace {

// A JSON object from a file; a broken file is an Error naming it.
nlohmann::json read_json_object(const std::string& p) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(p));
  } catch (const nlohmann::json::exception& e) {
    throw Error(p + ": broken or unexpected JSON: " + e.what());
  }
  if (!j.is_object()) throw Error(p + ": expected a JSON object");
  return j;
}

}  // namespace

nlohmann::json RunDir::manifest() const {
  const std::string p = path_ + "/run.json";
  if (!path_exists(p)) throw Error(p + ": no such file (not a bcemb run directory, or the run did not finish)");
  return read_json_object(p);
}

bool RunDir::complete() const {
  if (!path_exists(path_ + "/run.json")) return false;
  try {
    const auto m = manifest();
    return m.value("complete", false);
  } catch (const Error&) {
    return false;
  }
}

int RunDir::versions() const {
  const auto m = manifest();
  if (!m.contains("versions") || !m["versions"].is_array()) throw Error(path_ + "/run.json: no 'versions' list");
  return static_cast<int>(m["versions"].size());
}

void RunDir::check_version(int k) const {
  const int n = versions();
  if (k < 0 || k >= n)
    throw Error(path_ + ": version " + std::to_string(k) + " does not exist (this run has versions 0.." +
                std::to_string(n - 1) + ")");
}

nlohmann::json RunDir::metrics_json(int k) const {
  check_version(k);
  return read_json_object(file(k, "metrics.json"));
}

VersionMetrics RunDir::metrics(int k) const {
  const nlohmann::json j = metrics_json(k);
  const std::string p = file(k, "metrics.json");
  try {
    return version_metrics_from_json(j, p);
  } catch (const nlohmann::json::exception& e) {
    throw Error(p + ": broken or unexpected JSON: " + e.what());
  }
}

Matrix RunDir::embeddings(int k, const std::string& kind) const {
  check_version(k);
  if (kind != "users" && kind != "items") throw Error("embedding kind must be users or items, got '" + kind + "'");
  return read_matrix_npy(file(k, kind == "users" ? "user_emb.npy" : "item_emb.npy"));
}

Matrix RunDir::transform(int k) const {
  check_version(k);
  if (k == 0) throw Error("version 0 has no backward transform");
  return read_matrix_npy(file(k, "B.npy"));
}

TransformChain RunDir::chain() const {
  const auto m = manifest();
  const int n = versions();
  TransformChain c(m["versions"][0].at("dim").get<int64_t>());
  for (int k = 1; k < n; ++k) c.push(transform(k));
  return c;
}

std::vector<std::string> RunDir::ids(int k, const std::string& kind) const {
  check_version(k);
  if (kind != "users" && kind != "items") throw Error("id kind must be users or items, got '" + kind + "'");
  return read_id_map(file(k, kind + ".tsv"));
}

}  // namespace bcemb
