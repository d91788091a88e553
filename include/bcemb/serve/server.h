#pragma once
// HTTP server for embeddings of any registry version (cpp-httplib):
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
// bad version string or oversized batch 400; request body over the limit 413.
#include <memory>
#include <string>

namespace bcemb {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;               // 0: any free port
  size_t max_batch = 10000;      // ids per batch request
  size_t max_body = 4u << 20;    // request body bytes
  size_t http_threads = 128;     // concurrent keep-alive connections served
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
