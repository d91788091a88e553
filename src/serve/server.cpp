#include "bcemb/serve/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "bcemb/registry/view.h"
#include "bcemb/util/error.h"
#include "bcemb/util/progress.h"
#include "impl/http.h"

namespace bcemb {

namespace {

using Clock = std::chrono::steady_clock;

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

http::Response json_error(int status, const std::string& message) {
  http::Response res;
  res.status = status;
  // Messages may quote what a client sent (an id), which need not be UTF-8.
  res.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
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
  Metrics metrics;
  // The published snapshot. Readers copy it into a per-thread cache when the
  // sequence number moves, so the request path takes no lock.
  std::mutex snapshot_mu;
  std::shared_ptr<const Snapshot> snapshot;
  std::atomic<uint64_t> snapshot_seq{1};
  std::mutex reload_mu;  // one reloader at a time; guards head
  HeadStamp head;
  std::mutex error_mu;
  std::string last_reload_error;

  int listen_fd = -1;
  std::atomic<bool> stopping{false};
  std::atomic<bool> active{false};
  std::atomic<int> connections{0};
  std::vector<int> wake_fds;  // one eventfd per event loop
  std::mutex loops_mu;

  ~Impl() {
    if (listen_fd >= 0) ::close(listen_fd);
    for (const int fd : wake_fds) ::close(fd);
  }

  void publish(std::shared_ptr<const Snapshot> fresh) {
    std::lock_guard<std::mutex> lock(snapshot_mu);
    snapshot = std::move(fresh);
    snapshot_seq.fetch_add(1, std::memory_order_release);
  }

  // The snapshot for this request; reloads first if HEAD changed. Only one
  // loop reloads; the others go on with the current snapshot meanwhile.
  const std::shared_ptr<const Snapshot>& current() {
    const HeadStamp now = HeadStamp::of(dir);
    if (now.present) {
      std::unique_lock<std::mutex> lock(reload_mu, std::try_to_lock);
      if (lock.owns_lock() && now != head) {
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
        head = now;
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

  http::Response handle(const http::Request& req, Metrics::Endpoint& endpoint);
  http::Response versions_json();
  http::Response single(const http::Request& req, const std::string& kind, const std::string& id);
  http::Response batch(const http::Request& req);
  void run_loop(int wake_fd);
};

http::Response EmbeddingServer::Impl::handle(const http::Request& req, Metrics::Endpoint& endpoint) {
  endpoint = Metrics::kOther;
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (req.path == "/healthz") {
    endpoint = Metrics::kHealth;
    if (!get) return json_error(405, "use GET for " + req.path);
    const auto s = current();
    nlohmann::json j{{"status", "ok"}, {"latest", s->latest}, {"generation", s->generation}};
    const std::string error = reload_error();
    if (!error.empty()) j["last_reload_error"] = error;
    http::Response r;
    r.body = j.dump();
    return r;
  }
  if (req.path == "/metrics") {
    endpoint = Metrics::kMetrics;
    if (!get) return json_error(405, "use GET for " + req.path);
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics.text(*current());
    return r;
  }
  if (req.path == "/v1/versions") {
    endpoint = Metrics::kVersions;
    if (!get) return json_error(405, "use GET for " + req.path);
    return versions_json();
  }
  if (req.path == "/v1/embeddings:batch") {
    endpoint = Metrics::kBatch;
    if (req.method != "POST") return json_error(405, "use POST for " + req.path);
    return batch(req);
  }
  for (const std::string kind : {"users", "items"}) {
    const std::string prefix = "/v1/embeddings/" + kind + "/";
    if (req.path.size() > prefix.size() && req.path.compare(0, prefix.size(), prefix) == 0) {
      endpoint = Metrics::kSingle;
      if (!get) return json_error(405, "use GET for " + req.path);
      return single(req, kind, req.path.substr(prefix.size()));
    }
  }
  return json_error(404, "no such endpoint: " + req.method + " " + req.path);
}

http::Response EmbeddingServer::Impl::versions_json() {
  const auto s = current();
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : s->versions)
    versions.push_back({{"version", v.version},
                        {"parent", v.parent >= 0 ? nlohmann::json(v.parent) : nlohmann::json(nullptr)},
                        {"dim", v.dim},
                        {"strategy", v.strategy},
                        {"created_at", v.created_at},
                        {"has_tables", v.has_tables()}});
  http::Response r;
  r.body = nlohmann::json{{"latest", s->latest}, {"generation", s->generation}, {"versions", versions}}.dump();
  return r;
}

http::Response EmbeddingServer::Impl::single(const http::Request& req, const std::string& kind, const std::string& id) {
  const auto s = current();
  const std::string version = req.param("version");
  int j = 0;
  if (!parse_version(version, s->latest, j)) return json_error(400, "bad version '" + version + "' (a number or 'latest')");
  std::vector<float> v;
  std::string error;
  const int status = lookup(*s, kind, id, j, v, error);
  if (status != 200) return json_error(status, error);
  http::Response r;
  r.body = "{\"kind\":\"" + kind + "\",\"id\":" + nlohmann::json(id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
           ",\"version\":" + std::to_string(j) + ",\"dim\":" + std::to_string(v.size()) + ",\"embedding\":[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) r.body += ',';
    append_float(r.body, v[i]);
  }
  r.body += "]}";
  return r;
}

http::Response EmbeddingServer::Impl::batch(const http::Request& req) {
  const auto s = current();
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception& e) {
    return json_error(400, std::string("malformed JSON: ") + e.what());
  }
  if (!body.is_object() || !body.contains("ids") || !body["ids"].is_array())
    return json_error(400, "expected {\"kind\": \"users\"|\"items\", \"version\": j, \"ids\": [...]}");
  const auto& kind_j = body.contains("kind") ? body["kind"] : nlohmann::json("items");
  if (!kind_j.is_string() || (kind_j != "users" && kind_j != "items")) return json_error(400, "kind must be users or items");
  const std::string kind = kind_j.get<std::string>();
  int j = s->latest;
  if (body.contains("version")) {
    const auto& vj = body["version"];
    if (!(vj.is_number_integer() || vj.is_string()) ||
        !parse_version(vj.is_string() ? vj.get<std::string>() : std::to_string(vj.get<int64_t>()), s->latest, j))
      return json_error(400, "bad version " + vj.dump() + " (a number or 'latest')");
  }
  const auto& ids = body["ids"];
  if (ids.size() > options.max_batch)
    return json_error(400, "batch of " + std::to_string(ids.size()) + " ids exceeds the limit of " +
                               std::to_string(options.max_batch));
  std::vector<std::vector<float>> rows(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string()) return json_error(400, "ids must be strings");
    std::string error;
    const int status = lookup(*s, kind, ids[i].get<std::string>(), j, rows[i], error);
    if (status != 200) return json_error(status, error);
  }
  const size_t dim = static_cast<size_t>(s->dim(std::min(std::max(j, 0), s->latest)));
  http::Response r;
  const std::string* accept = req.header("accept");
  if (accept != nullptr && accept->find("application/octet-stream") != std::string::npos) {
    r.content_type = "application/octet-stream";
    r.body.reserve(rows.size() * dim * sizeof(float));
    for (const auto& row : rows) r.body.append(reinterpret_cast<const char*>(row.data()), row.size() * sizeof(float));
    r.headers = {{"X-Bcemb-Rows", std::to_string(rows.size())},
                 {"X-Bcemb-Dim", std::to_string(dim)},
                 {"X-Bcemb-Version", std::to_string(j)}};
    return r;
  }
  r.body = "{\"kind\":\"" + kind + "\",\"version\":" + std::to_string(j) + ",\"dim\":" + std::to_string(dim) +
           ",\"ids\":" + ids.dump() + ",\"embeddings\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    r.body += i ? ",[" : "[";
    for (size_t c = 0; c < rows[i].size(); ++c) {
      if (c) r.body += ',';
      append_float(r.body, rows[i][c]);
    }
    r.body += ']';
  }
  r.body += "]}";
  return r;
}

namespace {

// One client connection of an event loop.
struct Conn {
  std::string in, out;
  size_t out_pos = 0;
  Clock::time_point request_start, last_activity;
  bool reading = true;       // false once the connection is to close after its output
  bool want_write = false;   // registered for EPOLLOUT
};

void set_events(int epfd, int fd, bool write) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (write ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

}  // namespace

// An event loop: non-blocking sockets, each request parsed as its bytes
// arrive and answered inline (lookups take microseconds), deadlines checked
// every 100 ms. Slow or idle clients cost a buffer, never a thread.
void EmbeddingServer::Impl::run_loop(int wake_fd) {
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) throw Error(std::string("epoll_create1: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.fd = listen_fd;
  ::epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev);
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd;
  ::epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev);
  std::unordered_map<int, Conn> conns;
  http::Limits limits;
  limits.max_body = options.max_body;
  const auto request_timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.request_timeout_s));
  const auto idle_timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.idle_timeout_s));
  bool listening = true;
  Clock::time_point stop_deadline{}, next_sweep{};

  auto close_conn = [&](int fd) {
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(fd);
    connections.fetch_sub(1, std::memory_order_relaxed);
  };
  // Writes what it can; closes a finished connection. Returns false if closed.
  auto flush = [&](int fd, Conn& c) {
    while (c.out_pos < c.out.size()) {
      const ssize_t n = ::send(fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_pos += static_cast<size_t>(n);
        c.last_activity = Clock::now();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      close_conn(fd);
      return false;
    }
    if (c.out_pos == c.out.size()) {
      c.out.clear();
      c.out_pos = 0;
      if (!c.reading) {
        close_conn(fd);
        return false;
      }
    }
    const bool pending = !c.out.empty();
    if (pending != c.want_write) {
      c.want_write = pending;
      set_events(epfd, fd, pending);
    }
    return true;
  };
  auto answer_and_close = [&](int fd, Conn& c, int status, const std::string& message) {
    c.out += http::serialize(json_error(status, message), false);
    c.reading = false;
    c.in.clear();
    return flush(fd, c);
  };
  // Parses and answers every complete request at the front of the input.
  auto process = [&](int fd, Conn& c) {
    while (c.reading && !c.in.empty()) {
      http::Request req;
      const http::ParseResult p = http::parse_request(c.in, limits, req);
      if (p.state == http::Parse::NeedMore) break;
      const auto t0 = Clock::now();
      if (p.state == http::Parse::Bad) {
        metrics.record(Metrics::kOther, p.status, 0);
        return answer_and_close(fd, c, p.status, p.error);
      }
      c.in.erase(0, p.consumed);
      c.request_start = t0;  // the next request's clock starts with its first byte, already here
      Metrics::Endpoint endpoint = Metrics::kOther;
      http::Response res;
      try {
        res = handle(req, endpoint);
      } catch (const std::exception& e) {
        res = json_error(500, e.what());
      }
      const bool keep = req.keep_alive && !stopping.load(std::memory_order_relaxed);
      if (req.method == "HEAD") res.body.clear();
      c.out += http::serialize(res, keep);
      metrics.record(endpoint, res.status, std::chrono::duration<double>(Clock::now() - t0).count());
      if (!keep) {
        c.reading = false;
        c.in.clear();
      }
    }
    return flush(fd, c);
  };

  std::vector<epoll_event> events(256);
  for (;;) {
    const int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()), 100);
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd) {
        uint64_t v;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd, &v, sizeof v);
        continue;
      }
      if (fd == listen_fd) {
        if (!listening) continue;
        for (;;) {
          const int cfd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;  // EAGAIN, or a transient error (EMFILE, ...): try again on the next event
          if (connections.load(std::memory_order_relaxed) >= static_cast<int>(options.max_connections)) {
            // Over the cap: a short answer, never a thread or a buffer.
            const std::string busy = http::serialize(json_error(503, "too many open connections"), false);
            [[maybe_unused]] const ssize_t w = ::send(cfd, busy.data(), busy.size(), MSG_NOSIGNAL);
            ::close(cfd);
            metrics.record(Metrics::kOther, 503, 0);
            continue;
          }
          const int one = 1;
          ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = cfd;
          ::epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &cev);
          Conn& c = conns[cfd];
          c.last_activity = now;
          connections.fetch_add(1, std::memory_order_relaxed);
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Conn& c = it->second;
      if (events[i].events & (EPOLLERR)) {
        close_conn(fd);
        continue;
      }
      if ((events[i].events & EPOLLOUT) && !flush(fd, c)) continue;
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
        bool eof = false;
        char buf[16384];
        for (;;) {
          const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
          if (r > 0) {
            if (c.in.empty()) c.request_start = now;
            if (c.reading) c.in.append(buf, static_cast<size_t>(r));
            c.last_activity = now;
            continue;
          }
          if (r < 0 && errno == EINTR) continue;
          eof = r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
          break;
        }
        if (!process(fd, c)) continue;
        if (eof) {
          // The client sent all it will: answer what is complete, then close.
          c.reading = false;
          c.in.clear();
          if (c.out.empty()) close_conn(fd);
          else flush(fd, c);
        }
      }
    }
    if (stopping.load(std::memory_order_relaxed) && listening) {
      listening = false;
      ::epoll_ctl(epfd, EPOLL_CTL_DEL, listen_fd, nullptr);
      stop_deadline = now + std::chrono::seconds(5);
    }
    // Deadlines: a request must arrive whole within request_timeout of its
    // first byte; an idle keep-alive connection lasts idle_timeout; a client
    // that stops reading its answer is dropped after request_timeout. On stop,
    // only connections still sending answers stay, for at most 5 s. The scan
    // is over every connection, so under load it runs every 100 ms, not on
    // every wake-up.
    if (listening && now < next_sweep) continue;
    next_sweep = now + std::chrono::milliseconds(100);
    std::vector<int> expired, slow;
    for (auto& [fd, c] : conns) {
      const bool sending = !c.out.empty();
      if (sending && (now - c.last_activity > request_timeout || (!listening && now > stop_deadline)))
        expired.push_back(fd);
      else if (!sending && !c.in.empty() && (now - c.request_start > request_timeout || !listening))
        slow.push_back(fd);
      else if (!sending && c.in.empty() && (now - c.last_activity > idle_timeout || !listening))
        expired.push_back(fd);
    }
    for (const int fd : slow) answer_and_close(fd, conns[fd], 408, "request not received in time");
    for (const int fd : expired) close_conn(fd);
    if (!listening && conns.empty()) break;
  }
  ::close(epfd);
}

EmbeddingServer::EmbeddingServer(std::string registry_dir, ServeOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->dir = std::move(registry_dir);
  impl_->options = options;
  if (options.threads == 0 || options.max_connections == 0) throw Error("serve: threads and max connections must be > 0");
  impl_->head = HeadStamp::of(impl_->dir);
  impl_->publish(RegistryView::load(impl_->dir));
  // Room for the connection cap in the file-descriptor limit.
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    const rlim_t want = static_cast<rlim_t>(options.max_connections) + 64;
    if (nofile.rlim_cur < want) {
      nofile.rlim_cur = std::min(want, nofile.rlim_max);
      ::setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (nofile.rlim_cur < want) impl_->options.max_connections = nofile.rlim_cur > 128 ? nofile.rlim_cur - 64 : 64;
  }
  for (size_t t = 0; t < options.threads; ++t) {
    const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) throw Error(std::string("eventfd: ") + std::strerror(errno));
    impl_->wake_fds.push_back(fd);
  }
}

EmbeddingServer::~EmbeddingServer() { stop(); }

int EmbeddingServer::bind() {
  const ServeOptions& o = impl_->options;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(o.port);
  if (::getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr)
    throw Error("cannot listen on " + o.host + ":" + port + ": unknown host");
  int fd = -1;
  std::string why = "no address";
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 4096) != 0) {
      why = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) throw Error("cannot listen on " + o.host + ":" + port + ": " + why);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->listen_fd = fd;
  return ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void EmbeddingServer::run() {
  if (impl_->listen_fd < 0) throw Error("serve: bind() first");
  impl_->active = true;
  std::vector<std::thread> loops;
  for (size_t t = 1; t < impl_->wake_fds.size(); ++t) loops.emplace_back([this, t] { impl_->run_loop(impl_->wake_fds[t]); });
  impl_->run_loop(impl_->wake_fds[0]);
  for (auto& t : loops) t.join();
  ::close(impl_->listen_fd);  // connections still in the backlog are refused now
  impl_->listen_fd = -1;
  impl_->active = false;
}

void EmbeddingServer::stop() {
  // Async-signal-safe: an atomic store and eventfd writes.
  impl_->stopping.store(true);
  const uint64_t one = 1;
  for (const int fd : impl_->wake_fds) {
    [[maybe_unused]] const ssize_t w = ::write(fd, &one, sizeof one);
  }
}

bool EmbeddingServer::running() const { return impl_->active.load(); }

}  // namespace bcemb
