#pragma once
// HTTP/1.1 requests and responses for the embedding server: a parser that
// takes whatever bytes have arrived and says whether one complete request is
// at their front (limits on head, header count and body enforced while
// bytes arrive), and a response writer. No I/O here, so it is fuzzed and
// tested on plain strings.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bcemb::http {

struct Request {
  std::string method, path, query, version;  // path percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  bool keep_alive = true;
  const std::string* header(std::string_view lower_name) const;
  // Query parameter `key`, percent-decoded; `present` tells an empty value from a missing one.
  std::string param(std::string_view key, bool* present = nullptr) const;
};

struct Limits {
  size_t max_head = 16 << 10;  // request line + headers
  size_t max_headers = 64;
  size_t max_body = 4 << 20;
};

enum class Parse { NeedMore, Done, Bad };
struct ParseResult {
  Parse state = Parse::NeedMore;
  size_t consumed = 0;  // Done: bytes of this request
  int status = 0;       // Bad: the status to answer with (the connection then closes)
  std::string error;
};

// One request from the front of `in`.
ParseResult parse_request(std::string_view in, const Limits& limits, Request& out);

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Status line, headers (Content-Length, Connection) and body.
std::string serialize(const Response& r, bool keep_alive);
const char* reason(int status);

// %XX and '+' (in queries) decoded; false on a malformed escape.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out);

}  // namespace bcemb::http
