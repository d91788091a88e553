#include "bcemb/serve/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "bcemb/registry/registry.h"
#include "fake_run.h"
#include "test_util.h"

namespace bcemb {
namespace {

// A registry with versions 0..2 of a fake run (gc'ed), served on a free loopback port.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_fake_run(dir / "run", {4, 6, 8, 10});
    Registry::init(dir / "reg");
    Registry r(dir / "reg");
    for (int k = 0; k < 3; ++k) r.publish_run(dir / "run", k);
    r.gc();
    ServeOptions o;
    o.port = 0;
    o.max_batch = 50;
    o.max_body = 4096;
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

}  // namespace
}  // namespace bcemb
