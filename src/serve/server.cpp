#include "bcemb/serve/server.h"

#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "bcemb/registry/view.h"
#include "bcemb/util/error.h"
#include "bcemb/util/progress.h"

namespace bcemb {

namespace {

using Snapshot = RegistryView;

// Prometheus metrics: fixed arrays of atomics, no locks on the request path.
struct Metrics {
  enum Endpoint { kSingle, kBatch, kVersions, kHealth, kMetrics, kOther, kEndpoints };
  static constexpr int kCodes = 6;  // 200, 400, 404, 413, 500, other
  static constexpr double kBuckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};
  static constexpr int kNumBuckets = sizeof(kBuckets) / sizeof(kBuckets[0]);
  std::atomic<uint64_t> requests[kEndpoints][kCodes] = {};
  std::atomic<uint64_t> buckets[kNumBuckets + 1] = {};
  std::atomic<uint64_t> latency_ns{0}, count{0}, reloads{0}, reload_errors{0};

  static int code_slot(int status) {
    switch (status) {
      case 200: return 0;
      case 400: return 1;
      case 404: return 2;
      case 413: return 3;
      case 500: return 4;
      default: return 5;
    }
  }
  void record(Endpoint e, int status, double seconds) {
    requests[e][code_slot(status)].fetch_add(1, std::memory_order_relaxed);
    int b = 0;
    while (b < kNumBuckets && seconds > kBuckets[b]) ++b;
    buckets[b].fetch_add(1, std::memory_order_relaxed);
    latency_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
  }
  std::string text(const Snapshot& s) const {
    static const char* endpoints[] = {"embedding", "batch", "versions", "healthz", "metrics", "other"};
    static const char* codes[] = {"200", "400", "404", "413", "500", "other"};
    std::string out =
        "# HELP bcemb_requests_total HTTP requests by endpoint and status code.\n# TYPE bcemb_requests_total counter\n";
    for (int e = 0; e < kEndpoints; ++e)
      for (int c = 0; c < kCodes; ++c) {
        const uint64_t n = requests[e][c].load();
        if (n == 0) continue;
        out += std::string("bcemb_requests_total{endpoint=\"") + endpoints[e] + "\",code=\"" + codes[c] + "\"} " +
               std::to_string(n) + "\n";
      }
    out += "# HELP bcemb_request_errors_total HTTP responses with status >= 400.\n# TYPE bcemb_request_errors_total counter\n";
    uint64_t errors = 0;
    for (int e = 0; e < kEndpoints; ++e)
      for (int c = 1; c < kCodes; ++c) errors += requests[e][c].load();
    out += "bcemb_request_errors_total " + std::to_string(errors) + "\n";
    out += "# HELP bcemb_request_duration_seconds Request latency.\n# TYPE bcemb_request_duration_seconds histogram\n";
    uint64_t cum = 0;
    for (int b = 0; b < kNumBuckets; ++b) {
      cum += buckets[b].load();
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[b]);
      out += std::string("bcemb_request_duration_seconds_bucket{le=\"") + le + "\"} " + std::to_string(cum) + "\n";
    }
    cum += buckets[kNumBuckets].load();
    out += "bcemb_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
    out += "bcemb_request_duration_seconds_sum " + std::to_string(static_cast<double>(latency_ns.load()) / 1e9) + "\n";
    out += "bcemb_request_duration_seconds_count " + std::to_string(count.load()) + "\n";
    out += "# HELP bcemb_served_version Latest registry version served.\n# TYPE bcemb_served_version gauge\n";
    out += "bcemb_served_version " + std::to_string(s.latest) + "\n";
    out += "# HELP bcemb_registry_generation Catalog generation of the served snapshot.\n"
           "# TYPE bcemb_registry_generation gauge\n";
    out += "bcemb_registry_generation " + std::to_string(s.generation) + "\n";
    out += "# TYPE bcemb_reloads_total counter\nbcemb_reloads_total " + std::to_string(reloads.load()) + "\n";
    out += "# TYPE bcemb_reload_errors_total counter\nbcemb_reload_errors_total " + std::to_string(reload_errors.load()) +
           "\n";
    return out;
  }
};

void json_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

void append_float(std::string& out, float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Strict version parameter: absent or "latest" -> latest; else a non-negative integer.
bool parse_version(const std::string& s, int latest, int& out) {
  if (s.empty() || s == "latest") {
    out = latest;
    return true;
  }
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0) return false;
  out = v;
  return true;
}

}  // namespace

struct EmbeddingServer::Impl {
  std::string dir;
  ServeOptions options;
  httplib::Server http;
  Metrics metrics;
  // The published snapshot. Readers copy it into a per-thread cache when the
  // sequence number moves, so the request path takes no lock (libstdc++'s
  // atomic shared_ptr uses spinlocks, which stall when threads outnumber cores).
  std::mutex snapshot_mu;
  std::shared_ptr<const Snapshot> snapshot;
  std::atomic<uint64_t> snapshot_seq{1};
  std::mutex reload_mu;  // one reloader at a time; guards head_stat
  struct stat head_stat {};
  std::mutex error_mu;
  std::string last_reload_error;

  static bool same(const struct stat& a, const struct stat& b) {
    return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
           a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
  }

  void publish(std::shared_ptr<const Snapshot> fresh) {
    std::lock_guard<std::mutex> lock(snapshot_mu);
    snapshot = std::move(fresh);
    snapshot_seq.fetch_add(1, std::memory_order_release);
  }

  // The snapshot for this request; reloads first if HEAD changed. Only one
  // thread reloads; the others go on with the current snapshot meanwhile.
  const std::shared_ptr<const Snapshot>& current() {
    struct stat st {};
    if (::stat(registry_head_path(dir).c_str(), &st) == 0) {
      std::unique_lock<std::mutex> lock(reload_mu, std::try_to_lock);
      if (lock.owns_lock() && !same(st, head_stat)) {
        try {
          publish(RegistryView::load(dir));
          metrics.reloads.fetch_add(1);
          std::lock_guard<std::mutex> guard(error_mu);
          last_reload_error.clear();
        } catch (const std::exception& e) {
          metrics.reload_errors.fetch_add(1);
          std::lock_guard<std::mutex> guard(error_mu);
          last_reload_error = e.what();
          log_line(std::string("[serve] reload failed, still serving the previous snapshot: ") + e.what());
        }
        head_stat = st;
      }
    }
    thread_local const Impl* owner = nullptr;
    thread_local uint64_t seen = 0;
    thread_local std::shared_ptr<const Snapshot> cached;
    const uint64_t seq = snapshot_seq.load(std::memory_order_acquire);
    if (owner != this || seen != seq) {
      std::lock_guard<std::mutex> lock(snapshot_mu);
      cached = snapshot;
      seen = snapshot_seq.load(std::memory_order_relaxed);
      owner = this;
    }
    return cached;
  }

  std::string reload_error() {
    std::lock_guard<std::mutex> lock(error_mu);
    return last_reload_error;
  }

  // Row of `kind` table for `id` mapped to version j into out; returns an HTTP status.
  static int lookup(const Snapshot& s, const std::string& kind, const std::string& id, int j, std::vector<float>& out,
                    std::string& error) {
    if (j >= 0 && j <= s.latest) out.resize(static_cast<size_t>(s.dim(j)));
    const int status = s.lookup(kind, id, j, out.data(), error);
    return status == 0 ? 200 : status;
  }

  void routes();
};

void EmbeddingServer::Impl::routes() {
  thread_local std::chrono::steady_clock::time_point start;
  thread_local Metrics::Endpoint endpoint = Metrics::kOther;
  http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    start = std::chrono::steady_clock::now();
    endpoint = Metrics::kOther;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_logger([this](const httplib::Request&, const httplib::Response& res) {
    metrics.record(endpoint, res.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  });
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) {
      const std::string msg = res.status == 404   ? "no such endpoint: " + req.method + " " + req.path
                              : res.status == 413 ? "request body too large"
                                                  : "request failed";
      json_error(res, res.status, msg);
    }
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string msg = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      msg = e.what();
    } catch (...) {
    }
    json_error(res, 500, msg);
  });

  http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    endpoint = Metrics::kHealth;
    const auto s = current();
    nlohmann::json j{{"status", "ok"}, {"latest", s->latest}, {"generation", s->generation}};
    const std::string error = reload_error();
    if (!error.empty()) j["last_reload_error"] = error;
    res.set_content(j.dump(), "application/json");
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    endpoint = Metrics::kMetrics;
    res.set_content(metrics.text(*current()), "text/plain; version=0.0.4");
  });
  http.Get("/v1/versions", [this](const httplib::Request&, httplib::Response& res) {
    endpoint = Metrics::kVersions;
    const auto s = current();
    nlohmann::json versions = nlohmann::json::array();
    for (const auto& v : s->versions)
      versions.push_back({{"version", v.version},
                          {"parent", v.parent >= 0 ? nlohmann::json(v.parent) : nlohmann::json(nullptr)},
                          {"dim", v.dim},
                          {"strategy", v.strategy},
                          {"created_at", v.created_at},
                          {"has_tables", v.has_tables()}});
    res.set_content(nlohmann::json{{"latest", s->latest}, {"generation", s->generation}, {"versions", versions}}.dump(),
                    "application/json");
  });
  http.Get(R"(/v1/embeddings/(users|items)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    endpoint = Metrics::kSingle;
    const auto s = current();
    const std::string kind = req.matches[1], id = req.matches[2];
    int j = 0;
    if (!parse_version(req.get_param_value("version"), s->latest, j))
      return json_error(res, 400, "bad version '" + req.get_param_value("version") + "' (a number or 'latest')");
    std::vector<float> v;
    std::string error;
    const int status = lookup(*s, kind, id, j, v, error);
    if (status != 200) return json_error(res, status, error);
    std::string body = "{\"kind\":\"" + kind + "\",\"id\":" + nlohmann::json(id).dump() +
                       ",\"version\":" + std::to_string(j) + ",\"dim\":" + std::to_string(v.size()) + ",\"embedding\":[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) body += ',';
      append_float(body, v[i]);
    }
    body += "]}";
    res.set_content(body, "application/json");
  });
  http.Post("/v1/embeddings:batch", [this](const httplib::Request& req, httplib::Response& res) {
    endpoint = Metrics::kBatch;
    const auto s = current();
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(req.body);
    } catch (const nlohmann::json::parse_error& e) {
      return json_error(res, 400, std::string("malformed JSON: ") + e.what());
    }
    if (!body.is_object() || !body.contains("ids") || !body["ids"].is_array())
      return json_error(res, 400, "expected {\"kind\": \"users\"|\"items\", \"version\": j, \"ids\": [...]}");
    const std::string kind = body.value("kind", "items");
    if (kind != "users" && kind != "items") return json_error(res, 400, "kind must be users or items");
    int j = s->latest;
    if (body.contains("version")) {
      const auto& vj = body["version"];
      if (!(vj.is_number_integer() || vj.is_string()) ||
          !parse_version(vj.is_string() ? vj.get<std::string>() : std::to_string(vj.get<int64_t>()), s->latest, j))
        return json_error(res, 400, "bad version " + vj.dump() + " (a number or 'latest')");
    }
    const auto& ids = body["ids"];
    if (ids.size() > options.max_batch)
      return json_error(res, 400, "batch of " + std::to_string(ids.size()) + " ids exceeds the limit of " +
                                      std::to_string(options.max_batch));
    std::vector<std::vector<float>> rows(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!ids[i].is_string()) return json_error(res, 400, "ids must be strings");
      std::string error;
      const int status = lookup(*s, kind, ids[i].get<std::string>(), j, rows[i], error);
      if (status != 200) return json_error(res, status, error);
    }
    const size_t dim = static_cast<size_t>(s->to_version[static_cast<size_t>(std::min(std::max(j, 0), s->latest))].rows);
    if (req.get_header_value("Accept").find("application/octet-stream") != std::string::npos) {
      std::string bin;
      bin.reserve(rows.size() * dim * sizeof(float));
      for (const auto& r : rows) bin.append(reinterpret_cast<const char*>(r.data()), r.size() * sizeof(float));
      res.set_header("X-Bcemb-Rows", std::to_string(rows.size()));
      res.set_header("X-Bcemb-Dim", std::to_string(dim));
      res.set_header("X-Bcemb-Version", std::to_string(j));
      res.set_content(std::move(bin), "application/octet-stream");
      return;
    }
    std::string out = "{\"kind\":\"" + kind + "\",\"version\":" + std::to_string(j) + ",\"dim\":" + std::to_string(dim) +
                      ",\"ids\":" + ids.dump() + ",\"embeddings\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
      out += i ? ",[" : "[";
      for (size_t c = 0; c < rows[i].size(); ++c) {
        if (c) out += ',';
        append_float(out, rows[i][c]);
      }
      out += ']';
    }
    out += "]}";
    res.set_content(out, "application/json");
  });
}

EmbeddingServer::EmbeddingServer(std::string registry_dir, ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->dir = std::move(registry_dir);
  impl_->options = options;
  ::stat(registry_head_path(impl_->dir).c_str(), &impl_->head_stat);
  impl_->publish(RegistryView::load(impl_->dir));
  impl_->http.set_payload_max_length(options.max_body);
  impl_->http.set_keep_alive_max_count(1000000);
  // Small JSON answers must not wait for Nagle's algorithm (40 ms stalls with delayed ACKs).
  impl_->http.set_tcp_nodelay(true);
  // httplib serves a keep-alive connection on one pool thread until it closes,
  // so the pool bounds the concurrent connections.
  const size_t threads = options.http_threads;
  impl_->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };  // httplib takes ownership
  impl_->routes();
}

EmbeddingServer::~EmbeddingServer() { stop(); }

int EmbeddingServer::bind() {
  const int port = impl_->options.port == 0 ? impl_->http.bind_to_any_port(impl_->options.host)
                                            : (impl_->http.bind_to_port(impl_->options.host, impl_->options.port)
                                                   ? impl_->options.port
                                                   : -1);
  if (port < 0)
    throw Error("cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port));
  return port;
}

void EmbeddingServer::run() {
  if (!impl_->http.listen_after_bind()) throw Error("the HTTP server stopped with an error");
}

void EmbeddingServer::stop() { impl_->http.stop(); }

bool EmbeddingServer::running() const { return impl_->http.is_running(); }

}  // namespace bcemb
