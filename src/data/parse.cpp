// Strict field parsers shared by all loaders; no allocation (they run once
// per field of every input line).
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "bcemb/data/loaders.h"

namespace bcemb {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// An optional '+' (from_chars takes none), but no second sign after it.
std::string_view without_plus(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) return {};
  }
  return s;
}

bool parse_double(std::string_view raw, double& out) {
  const std::string_view s = without_plus(raw);
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}
}  // namespace

bool parse_int64(std::string_view raw, int64_t& out) {
  const std::string_view s = without_plus(trim(raw));
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_float(std::string_view raw, float& out) {
  double v;
  if (!parse_double(trim(raw), v)) return false;
  if (std::abs(v) > std::numeric_limits<float>::max()) return false;  // not finite as a float
  out = static_cast<float>(v);
  return true;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool parse_time(std::string_view raw, int64_t& out) {
  const std::string_view s = trim(raw);
  if (s.empty()) return false;
  if (parse_int64(s, out)) return true;
  double f;
  if (s.find('-', 1) == std::string_view::npos && parse_double(s, f)) {
    if (!(std::abs(f) < 9.2e18)) return false;
    out = static_cast<int64_t>(std::floor(f));
    return true;
  }
  // ISO-8601
  auto digits = [&](size_t pos, size_t n, int& v) {
    if (pos + n > s.size()) return false;
    v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  size_t pos = 10;
  int64_t offset = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return false;
    if (!digits(pos + 1, 2, h) || pos + 3 >= s.size() + 1 || s[pos + 3] != ':' || !digits(pos + 4, 2, mi)) return false;
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(pos + 1, 2, sec)) return false;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return false;
    if (pos < s.size()) {
      if (s[pos] == 'Z' && pos + 1 == s.size()) {
        pos += 1;
      } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
        int oh, om;
        if (!digits(pos + 1, 2, oh) || !digits(pos + 4, 2, om)) return false;
        offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        pos += 6;
      } else {
        return false;
      }
    }
  }
  out = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec -
        offset;
  return true;
}

}  // namespace bcemb
