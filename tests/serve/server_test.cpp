#include "bcemb/serve/server.h"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "bcemb/registry/registry.h"
#include "fake_run.h"
#include "test_util.h"

namespace bcemb {
namespace {

// A registry with versions 0..2 of a fake run of 10 versions (gc'ed), served on a free loopback port.
class ServerTest : public ::testing::Test {
 protected:
  // Options for the server SetUp starts (tests may change them first).
  virtual void tune(ServeOptions&) {}
  void SetUp() override {
    test::write_fake_run(dir / "run", {4, 6, 8, 10, 5, 7, 9, 11, 6, 8});
    Registry::init(dir / "reg");
    Registry r(dir / "reg");
    for (int k = 0; k < 3; ++k) r.publish_run(dir / "run", k);
    r.gc();
    ServeOptions o;
    o.port = 0;
    o.max_batch = 50;
    o.max_body = 4096;
    tune(o);
    server = std::make_unique<EmbeddingServer>(dir / "reg", o);
    port = server->bind();
    thread = std::thread([this] { server->run(); });
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
  }
  void TearDown() override {
    server->stop();
    thread.join();
  }
  nlohmann::json get_json(const std::string& path, int expect_status) {
    const auto res = client->Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, expect_status) << path << ": " << res->body;
    return nlohmann::json::parse(res->body);
  }
  // In-process reference: version j embedding of an item.
  std::vector<float> expected(const std::string& kind, int64_t row, int j) {
    const Registry r(dir / "reg");
    const RegistryVersion top = *r.get(r.latest());
    const Matrix m = r.chain().apply(r.table(top, kind), top.version, j);
    return std::vector<float>(m.row(row), m.row(row) + m.cols);
  }

  test::TempDir dir;
  std::unique_ptr<EmbeddingServer> server;
  std::thread thread;
  std::unique_ptr<httplib::Client> client;
  int port = 0;
};

TEST_F(ServerTest, VersionsHealthAndSingleLookups) {
  const auto versions = get_json("/v1/versions", 200);
  EXPECT_EQ(versions["latest"], 2);
  EXPECT_EQ(versions["versions"].size(), 3u);
  EXPECT_EQ(get_json("/healthz", 200)["status"], "ok");
  const auto e = get_json("/v1/embeddings/items/i7?version=0", 200);
  EXPECT_EQ(e["dim"], 4);
  const auto want = expected("items", 7, 0);
  for (size_t c = 0; c < want.size(); ++c) EXPECT_NEAR(e["embedding"][c].get<float>(), want[c], 1e-4);
  EXPECT_EQ(get_json("/v1/embeddings/users/u3", 200)["dim"], 8);  // default: latest
}

TEST_F(ServerTest, ErrorCases) {
  EXPECT_NE(get_json("/v1/embeddings/items/nope?version=0", 404)["error"].get<std::string>().find("unknown item id"),
            std::string::npos);
  EXPECT_NE(get_json("/v1/embeddings/items/i1?version=9", 404)["error"].get<std::string>().find("does not exist"),
            std::string::npos);
  get_json("/v1/embeddings/items/i1?version=abc", 400);
  get_json("/v1/embeddings/items/i1?version=-1", 400);
  get_json("/v1/nothing", 404);
  auto post = [&](const std::string& body) { return client->Post("/v1/embeddings:batch", body, "application/json"); };
  EXPECT_EQ(post("{not json")->status, 400);
  EXPECT_EQ(post(R"({"kind":"items"})")->status, 400);
  EXPECT_EQ(post(R"({"kind":"groups","ids":["i1"]})")->status, 400);
  EXPECT_EQ(post(R"({"kind":"items","version":"x","ids":["i1"]})")->status, 400);
  EXPECT_EQ(post(R"({"kind":"items","version":0,"ids":["i1","zzz"]})")->status, 404);
  nlohmann::json big{{"kind", "items"}, {"ids", nlohmann::json::array()}};
  for (int i = 0; i < 51; ++i) big["ids"].push_back("i1");
  EXPECT_EQ(post(big.dump())->status, 400);  // more than max_batch ids
  EXPECT_EQ(post(std::string(5000, ' '))->status, 413);  // over max_body
  // still serving
  get_json("/v1/embeddings/items/i1?version=1", 200);
  const auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("bcemb_requests_total{endpoint=\"embedding\",code=\"404\"} 2"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("bcemb_served_version 2"), std::string::npos);
  EXPECT_NE(metrics->body.find("bcemb_request_duration_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
}

TEST_F(ServerTest, BatchJsonAndBinaryAgree) {
  const std::string body = R"({"kind":"items","version":1,"ids":["i0","i5","i9"]})";
  const auto js = client->Post("/v1/embeddings:batch", body, "application/json");
  ASSERT_TRUE(js);
  ASSERT_EQ(js->status, 200);
  const auto j = nlohmann::json::parse(js->body);
  httplib::Headers h{{"Accept", "application/octet-stream"}};
  const auto bin = client->Post("/v1/embeddings:batch", h, body, "application/json");
  ASSERT_TRUE(bin);
  ASSERT_EQ(bin->status, 200);
  EXPECT_EQ(bin->get_header_value("X-Bcemb-Rows"), "3");
  EXPECT_EQ(bin->get_header_value("X-Bcemb-Dim"), "6");
  ASSERT_EQ(bin->body.size(), 3 * 6 * sizeof(float));
  const auto* f = reinterpret_cast<const float*>(bin->body.data());
  const auto want = expected("items", 5, 1);
  for (int c = 0; c < 6; ++c) {
    EXPECT_FLOAT_EQ(f[6 + c], j["embeddings"][1][c].get<float>());
    EXPECT_NEAR(f[6 + c], want[c], 1e-4);
  }
}

TEST_F(ServerTest, PicksUpANewVersionWithoutRestart) {
  EXPECT_EQ(get_json("/v1/versions", 200)["latest"], 2);
  {
    Registry r(dir / "reg");
    r.publish_run(dir / "run", 3);
  }
  EXPECT_EQ(get_json("/v1/versions", 200)["latest"], 3);
  EXPECT_EQ(get_json("/v1/embeddings/items/i30?version=3", 200)["dim"], 10);  // an item new in version 3
  EXPECT_EQ(get_json("/v1/embeddings/items/i30?version=0", 200)["dim"], 4);
}

// A raw loopback connection, for what httplib's client will not send.
class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval guard{20, 0};  // a safety net against a hang, not a timing assertion
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
  }
  ~RawConn() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) const { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Everything until the server closes (or the safety net).
  std::string read_all() const {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  // One response's head and body (Content-Length), on a kept-alive connection.
  std::string read_response() const {
    std::string out;
    char c;
    while (out.find("\r\n\r\n") == std::string::npos && ::recv(fd_, &c, 1, 0) == 1) out += c;
    const auto cl = out.find("Content-Length: ");
    if (cl == std::string::npos) return out;
    size_t left = std::stoul(out.substr(cl + 16));
    std::string body(left, '\0');
    for (size_t got = 0; got < left;) {
      const ssize_t n = ::recv(fd_, body.data() + got, left - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    return out + body;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

int status_of(const std::string& response) {
  return response.size() > 12 && response.compare(0, 9, "HTTP/1.1 ") == 0 ? std::stoi(response.substr(9, 3)) : -1;
}

std::string post(const std::string& body) {
  return "POST /v1/embeddings:batch HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(ServerTest, MalformedRequestsGet4xxAndTheServerGoesOn) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"garbage\r\n\r\n", 400},
      {"GET /healthz HTTP/2.0\r\n\r\n", 505},
      {"GET healthz HTTP/1.1\r\n\r\n", 400},
      {"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n", 400},
      {"GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 431},
      {"GET /v1/embeddings/items/%zz HTTP/1.1\r\n\r\n", 400},
      {"GET /v1/embeddings/items/%ff%fe%80?version=0 HTTP/1.1\r\n\r\n", 404},  // invalid UTF-8 id: unknown
      {"GET /v1/embeddings/items/i1?version=-3 HTTP/1.1\r\n\r\n", 400},
      {"GET /v1/embeddings/items/i1?version=99999999999999999999 HTTP/1.1\r\n\r\n", 400},
      {post(R"({"ids": "x"})"), 400},
      {post(R"({"ids": [1, 2]})"), 400},
      {post(R"({"ids": ["\udc00"]})"), 400},  // a lone surrogate: not UTF-8
      {post(R"({"kind": 3, "ids": []})"), 400},
      {post(R"({"ids": [], "version": 1e99})"), 400},
      {"POST /v1/embeddings:batch HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
      {"POST /v1/embeddings:batch HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST /v1/embeddings:batch HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", 413},
      {"DELETE /v1/versions HTTP/1.1\r\n\r\n", 405},
  };
  for (const auto& [request, status] : cases) {
    RawConn c(port);
    ASSERT_TRUE(c.connected());
    c.send(request);
    const std::string answer = c.read_response();
    EXPECT_EQ(status_of(answer), status) << request.substr(0, 80) << " -> " << answer.substr(0, 200);
  }
  get_json("/healthz", 200);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConn c(port);
  c.send("GET /healthz HTTP/1.1\r\n\r\nGET /v1/embeddings/items/nope HTTP/1.1\r\n\r\nGET /v1/versions HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_EQ(status_of(c.read_response()), 404);
  const std::string last = c.read_response();
  EXPECT_EQ(status_of(last), 200);
  EXPECT_NE(last.find("\"latest\":2"), std::string::npos);
}

class HostileClients : public ServerTest {
 protected:
  void tune(ServeOptions& o) override {
    o.request_timeout_s = 0.5;
    o.max_connections = 1100;
  }
};

// 500 connections that send nothing and 500 that stop mid-request: a
// well-behaved client is answered meanwhile; each unfinished request gets a
// 408 once its time is up and its connection closes.
TEST_F(HostileClients, IdleAndUnfinishedConnectionsDoNotStarveOthers) {
  std::vector<std::unique_ptr<RawConn>> idle, unfinished;
  for (int i = 0; i < 500; ++i) {
    idle.push_back(std::make_unique<RawConn>(port));
    unfinished.push_back(std::make_unique<RawConn>(port));
    unfinished.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  }
  for (int round = 0; round < 3; ++round) EXPECT_EQ(get_json("/healthz", 200)["status"], "ok");
  for (size_t i = 0; i < unfinished.size(); i += 50) {
    const std::string answer = unfinished[i]->read_all();
    EXPECT_EQ(status_of(answer), 408) << answer;
  }
  // A client that sends a byte at a time never gets past its deadline either.
  RawConn slow(port);
  for (const char c : std::string("GET /healthz HTTP/1.1\r\nX: ")) slow.send(std::string(1, c));
  EXPECT_EQ(status_of(slow.read_all()), 408);
  get_json("/healthz", 200);
}

class ConnectionCap : public ServerTest {
 protected:
  void tune(ServeOptions& o) override { o.max_connections = 20; }
};

TEST_F(ConnectionCap, ConnectionsOverTheCapGet503) {
  std::vector<std::unique_ptr<RawConn>> held;
  for (int i = 0; i < 20; ++i) {  // answered on a kept-alive connection: surely counted by the server
    held.push_back(std::make_unique<RawConn>(port));
    held.back()->send("GET /healthz HTTP/1.1\r\n\r\n");
    ASSERT_EQ(status_of(held.back()->read_response()), 200);
  }
  RawConn over(port);
  over.send("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(over.read_all()), 503);
  held.clear();  // closed: room again
  // The server's event loops notice the closes asynchronously (late on a
  // busy machine, or under a sanitizer): retry until room is made, with a
  // generous bound so that a server that never frees the slots fails.
  bool answered = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!answered && std::chrono::steady_clock::now() < give_up) {
    RawConn again(port);
    again.send("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
    answered = status_of(again.read_all()) == 200;
    if (!answered) std::this_thread::yield();
  }
  EXPECT_TRUE(answered);
}

// Publishes of versions 3..9, each followed by gc, while four clients send a
// steady stream of single and batch lookups at versions 0 and 1. Every answer
// must be a 200 whose rows all equal the export of the requested version from
// one published snapshot (never a mix, never a deleted table); a client never
// sees an older snapshot after a newer one. A snapshot may lag a publish while
// another event loop reloads (counted, not failed); once writes stop, the next
// request is answered from the last version.
TEST_F(ServerTest, PublishAndGcUnderLoadNeverTearsOrFails) {
  constexpr int kLast = 9;
  Registry::init(dir / "ref");  // every version published, never gc'ed: the expected answers
  Registry ref(dir / "ref");
  for (int k = 0; k <= kLast; ++k) ref.publish_run(dir / "run", k);
  std::map<std::pair<int, int>, Matrix> want;  // (latest, version) -> items table as served
  for (int latest = 2; latest <= kLast; ++latest)
    for (int j = 0; j < 2; ++j)
      want.emplace(std::make_pair(latest, j), ref.chain().apply(ref.table(*ref.get(latest), "items"), latest, j));

  std::atomic<int> published{2}, started{2};
  std::atomic<bool> done{false}, failed{false};
  std::atomic<int64_t> answered{0}, torn{0}, not_ok{0};
  std::atomic<int64_t> stale{0};
  // Rows (item index -> values) answered for version j: the one latest <= hi
  // whose snapshot gives them all, or -1.
  const auto snapshot_of = [&](int j, int hi, const std::vector<std::pair<int, std::vector<float>>>& rows) {
    for (int latest = 2; latest <= hi; ++latest) {
      const Matrix& m = want.at({latest, j});
      bool all = true;
      for (const auto& [row, v] : rows) {
        // Chains of random B's grow the values; compare relative to the row's scale.
        float scale = 1;
        for (int64_t c = 0; c < m.cols; ++c) scale = std::max(scale, std::abs(m.row(row)[c]));
        all = all && v.size() == static_cast<size_t>(m.cols);
        for (size_t c = 0; all && c < v.size(); ++c) all = std::abs(v[c] - m.row(row)[c]) <= 1e-4f * scale;
      }
      if (all) return latest;
    }
    return -1;
  };
  const auto client_loop = [&](int id) {
    httplib::Client c("127.0.0.1", port);
    int seen = 2;  // newest snapshot this client has been answered from
    for (int64_t n = 0; !done.load() && !failed.load(); ++n) {
      const int j = static_cast<int>((n + id) % 2), lo = published.load();
      std::vector<std::pair<int, std::vector<float>>> rows;
      int status = 0;  // 0: no answer
      if (n % 3 == 0) {
        nlohmann::json ids = nlohmann::json::array();
        for (int i = 0; i < 20; ++i) ids.push_back("i" + std::to_string(i));
        const auto res = c.Post("/v1/embeddings:batch",
                                nlohmann::json{{"kind", "items"}, {"version", j}, {"ids", ids}}.dump(), "application/json");
        status = res ? res->status : 0;
        if (status == 200) {
          const auto body = nlohmann::json::parse(res->body);
          for (int i = 0; i < 20; ++i) rows.emplace_back(i, body["embeddings"][i].get<std::vector<float>>());
        }
      } else {
        const int row = static_cast<int>((n * 7 + id) % 30);
        const auto res = c.Get("/v1/embeddings/items/i" + std::to_string(row) + "?version=" + std::to_string(j));
        status = res ? res->status : 0;
        if (status == 200)
          rows.emplace_back(row, nlohmann::json::parse(res->body)["embedding"].get<std::vector<float>>());
      }
      const int hi = started.load();
      ++answered;
      if (status != 200) {
        ++not_ok;
        failed = true;
      } else if (const int latest = snapshot_of(j, hi, rows); latest < seen) {
        ++torn;  // no snapshot, a mix of snapshots, or an older snapshot than before
        failed = true;
      } else {
        stale += latest < lo;
        seen = latest;
      }
    }
  };
  std::vector<std::thread> clients;
  for (int id = 0; id < 4; ++id) clients.emplace_back(client_loop, id);
  // Each write waits for 40 more answers, so writes land under a steady stream.
  const auto await_answers = [&] {
    for (const int64_t target = answered.load() + 40; answered.load() < target && !failed.load();)
      std::this_thread::yield();
  };
  int gcs = 0;
  for (int k = 3; k <= kLast; ++k) {
    await_answers();
    started = k;
    Registry(dir / "reg").publish_run(dir / "run", k);
    published = k;
    await_answers();
    Registry(dir / "reg").gc();
    ++gcs;
  }
  await_answers();
  done = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(not_ok.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GE(answered.load(), 40 * 2 * gcs);
  EXPECT_EQ(get_json("/v1/versions", 200)["latest"], kLast);
  const auto last = get_json("/v1/embeddings/items/i3?version=0", 200)["embedding"].get<std::vector<float>>();
  EXPECT_EQ(snapshot_of(0, kLast, {{3, last}}), kLast);
  EXPECT_TRUE(Registry(dir / "reg").verify().ok());
  RecordProperty("answers", static_cast<int>(answered.load()));
  RecordProperty("stale_during_reload", static_cast<int>(stale.load()));
}

// stop() (what SIGTERM calls) lets the answer in flight go out, then run() returns.
TEST_F(ServerTest, StopFinishesAndReturns) {
  RawConn c(port);
  c.send("GET /v1/versions HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(c.read_response()), 200);
  server->stop();
  thread.join();
  EXPECT_FALSE(server->running());
  EXPECT_EQ(c.read_all(), "");  // closed by the server
  RawConn after(port);
  EXPECT_FALSE(after.connected() && !after.read_all().empty());
  thread = std::thread([] {});  // TearDown joins it
}

}  // namespace
}  // namespace bcemb
