#include "serve/impl/http.h"

#include <gtest/gtest.h>

namespace bcemb::http {
namespace {

TEST(Http, ParsesARequestAsItsBytesArrive) {
  const std::string full =
      "POST /v1/embeddings%3Abatch?version=2&a=b%20c+d HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Accept: application/octet-stream\r\n\r\nhello";
  Request r;
  for (size_t cut = 0; cut < full.size(); ++cut)
    ASSERT_EQ(parse_request(full.substr(0, cut), {}, r).state, Parse::NeedMore) << cut;
  const ParseResult p = parse_request(full + "GET / HTTP/1.1\r\n", {}, r);
  ASSERT_EQ(p.state, Parse::Done);
  EXPECT_EQ(p.consumed, full.size());
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/v1/embeddings:batch");
  EXPECT_EQ(r.param("version"), "2");
  EXPECT_EQ(r.param("a"), "b c d");
  bool present = true;
  EXPECT_EQ(r.param("zzz", &present), "");
  EXPECT_FALSE(present);
  EXPECT_EQ(r.body, "hello");
  ASSERT_NE(r.header("accept"), nullptr);
  EXPECT_EQ(*r.header("accept"), "application/octet-stream");
  EXPECT_TRUE(r.keep_alive);
}

TEST(Http, KeepAliveFollowsVersionAndConnection) {
  Request r;
  ASSERT_EQ(parse_request("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", {}, r).state, Parse::Done);
  EXPECT_FALSE(r.keep_alive);
  ASSERT_EQ(parse_request("GET / HTTP/1.0\r\n\r\n", {}, r).state, Parse::Done);
  EXPECT_FALSE(r.keep_alive);
  ASSERT_EQ(parse_request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", {}, r).state, Parse::Done);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_EQ(parse_request("GET / HTTP/1.1\n\n", {}, r).state, Parse::Done);  // bare LF tolerated
}

TEST(Http, LimitsAndMalformedInputGiveTheirStatus) {
  Request r;
  Limits small;
  small.max_head = 64;
  small.max_headers = 2;
  small.max_body = 10;
  EXPECT_EQ(parse_request(std::string(100, 'G'), small, r).status, 431);  // no end of head in sight
  EXPECT_EQ(parse_request("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", small, r).status, 431);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", small, r).status, 413);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", {}, r).status, 400);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", {}, r).status, 400);
  EXPECT_EQ(parse_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", {}, r).status, 501);
  EXPECT_EQ(parse_request("GET / HTTP/1.1\r\n folded\r\n\r\n", {}, r).status, 400);
  EXPECT_EQ(parse_request("GET /a b HTTP/1.1\r\n\r\n", {}, r).status, 400);
  EXPECT_EQ(parse_request("GET /%g1 HTTP/1.1\r\n\r\n", {}, r).status, 400);
  EXPECT_EQ(parse_request("GET / HTTP/3\r\n\r\n", {}, r).status, 505);
  EXPECT_EQ(parse_request("G@T / HTTP/1.1\r\n\r\n", {}, r).status, 400);
}

TEST(Http, ResponsesCarryLengthAndConnection) {
  Response res;
  res.status = 404;
  res.body = "{}";
  res.headers = {{"X-A", "1"}};
  EXPECT_EQ(serialize(res, true),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-A: 1\r\n"
            "Connection: keep-alive\r\n\r\n{}");
  EXPECT_NE(serialize(res, false).find("Connection: close"), std::string::npos);
}

}  // namespace
}  // namespace bcemb::http
