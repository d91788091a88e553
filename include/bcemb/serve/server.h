#pragma once
// HTTP/1.1 server for embeddings of any registry version:
//   GET  /v1/versions
//   GET  /v1/embeddings/{users|items}/{id}?version=j      (default: latest)
//   POST /v1/embeddings:batch   {"kind": "items", "version": j, "ids": [...]}
//        Accept: application/octet-stream -> float32 little-endian, row-major
//        [len(ids), dim] (headers X-Bcemb-Rows, X-Bcemb-Dim, X-Bcemb-Version);
//        otherwise JSON {"kind", "version", "dim", "ids", "embeddings": [[...], ...]}
//   GET  /healthz, GET /metrics (Prometheus text)
// Version j is computed on the fly from the latest table through the cached
// composed transform. A newly published version is picked up without restart
// (HEAD is checked on every request; requests in flight keep the old snapshot).
// Errors are JSON {"error": ...}: unknown id or version 404; malformed request,
// bad version string or oversized batch 400; request body over the limit 413;
// request head over 16 KiB or 64 headers 431; a request not received whole
// within request_timeout_s of its first byte 408; over max_connections 503.
//
// Event loops (`threads` of them, epoll) own the connections: sockets are
// non-blocking, a request is parsed as its bytes arrive and answered inline,
// so slow or idle clients hold a buffer, never a thread, and cannot keep a
// well-behaved client waiting. stop() (async-signal-safe, for SIGTERM) stops
// accepting, lets answers in flight finish (at most 5 s), then run() returns.
#include <memory>
#include <string>

namespace bcemb {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port
  size_t max_batch = 10000;         // ids per batch request
  size_t max_body = 4u << 20;       // request body bytes
  size_t threads = 2;               // event loops
  size_t max_connections = 10000;   // open connections (the file limit is raised to fit)
  double request_timeout_s = 10;    // a request must arrive whole within this of its first byte
  double idle_timeout_s = 60;       // keep-alive connections idle longer are closed
};

class EmbeddingServer {
 public:
  EmbeddingServer(std::string registry_dir, ServeOptions options);  // loads the registry; Error if unusable
  ~EmbeddingServer();
  EmbeddingServer(const EmbeddingServer&) = delete;
  EmbeddingServer& operator=(const EmbeddingServer&) = delete;
  int bind();  // returns the bound port
  void run();  // serves until stop(); call after bind()
  void stop();
  bool running() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bcemb
