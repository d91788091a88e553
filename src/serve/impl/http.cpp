#include "http.h"

#include <algorithm>
#include <cctype>

namespace bcemb::http {

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ParseResult bad(int status, std::string error) {
  ParseResult r;
  r.state = Parse::Bad;
  r.status = status;
  r.error = std::move(error);
  return r;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size() || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) return false;
      out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && c == '+' ? ' ' : c;
    }
  }
  return true;
}

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

std::string Request::param(std::string_view key, bool* present) const {
  if (present != nullptr) *present = false;
  std::string_view q = query;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string k, v;
    if (!percent_decode(pair.substr(0, eq), true, k) || k != key) continue;
    if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), true, v)) continue;
    if (present != nullptr) *present = true;
    return v;
  }
  return "";
}

ParseResult parse_request(std::string_view in, const Limits& limits, Request& out) {
  // The head ends at the first empty line (CRLF CRLF; a bare LF is tolerated).
  size_t head_end = std::string_view::npos, body_start = 0;
  for (size_t i = 0; i < in.size() && i <= limits.max_head; ++i) {
    if (in[i] != '\n') continue;
    if (i + 1 < in.size() && in[i + 1] == '\n') {
      head_end = i;
      body_start = i + 2;
      break;
    }
    if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      head_end = i;
      body_start = i + 3;
      break;
    }
  }
  if (head_end == std::string_view::npos)
    return in.size() > limits.max_head ? bad(431, "request head longer than " + std::to_string(limits.max_head) + " bytes")
                                       : ParseResult{};
  std::vector<std::string_view> lines;
  for (std::string_view head = in.substr(0, head_end); !head.empty();) {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
  }
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());  // stray CRLF between requests
  if (lines.empty()) return bad(400, "empty request");
  // Request line: METHOD SP TARGET SP HTTP/1.x
  const std::string_view rl = lines[0];
  const size_t sp1 = rl.find(' '), sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || rl.find(' ', sp2 + 1) != std::string_view::npos)
    return bad(400, "malformed request line");
  const std::string_view method = rl.substr(0, sp1), target = rl.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = rl.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), is_token_char)) return bad(400, "malformed method");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return bad(505, "HTTP version not supported");
  if (target.empty() || target.front() != '/') return bad(400, "request target must be an absolute path");
  for (const char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad(400, "control characters in the request target");
  Request r;
  r.method = std::string(method);
  r.version = std::string(version);
  const size_t qm = target.find('?');
  if (!percent_decode(target.substr(0, qm), false, r.path)) return bad(400, "malformed %-escape in the path");
  if (qm != std::string_view::npos) r.query = std::string(target.substr(qm + 1));
  if (lines.size() - 1 > limits.max_headers) return bad(431, "more than " + std::to_string(limits.max_headers) + " headers");
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) return bad(400, "folded header lines");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad(400, "malformed header line");
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return bad(400, "malformed header name");
    r.headers.emplace_back(lower(name), std::string(trim(line.substr(colon + 1))));
  }
  size_t length = 0;
  bool have_length = false;
  for (const auto& [k, v] : r.headers) {
    if (k == "transfer-encoding") return bad(501, "chunked or encoded request bodies are not supported; send Content-Length");
    if (k != "content-length") continue;
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad(400, "malformed Content-Length");
    const size_t n = std::stoull(v);
    if (have_length && n != length) return bad(400, "conflicting Content-Length headers");
    length = n;
    have_length = true;
  }
  if (length > limits.max_body)
    return bad(413, "request body of " + std::to_string(length) + " bytes exceeds the limit of " +
                        std::to_string(limits.max_body));
  if (in.size() - body_start < length) return ParseResult{};
  r.body = std::string(in.substr(body_start, length));
  const std::string* connection = r.header("connection");
  const std::string conn = connection != nullptr ? lower(*connection) : "";
  r.keep_alive = r.version == "HTTP/1.1" ? conn.find("close") == std::string::npos : conn.find("keep-alive") != std::string::npos;
  out = std::move(r);
  ParseResult done;
  done.state = Parse::Done;
  done.consumed = body_start + length;
  return done;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string serialize(const Response& r, bool keep_alive) {
  std::string out;
  out.reserve(r.body.size() + 160);
  out += "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += r.body;
  return out;
}

}  // namespace bcemb::http
