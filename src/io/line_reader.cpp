#include "bcemb/io/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "bcemb/util/error.h"

namespace bcemb {

LineReader::LineReader(const std::string& path) : path_(path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw Error("cannot open " + path + ": " + (errno ? std::strerror(errno) : "gzopen failed"));
  gzbuffer(f, 1 << 17);
  gz_ = f;
}

LineReader::~LineReader() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

bool LineReader::fill() {
  if (eof_) return false;
  buf_.erase(0, pos_);
  pos_ = 0;
  char chunk[1 << 16];
  const int n = gzread(static_cast<gzFile>(gz_), chunk, sizeof chunk);
  if (n < 0) {
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    throw Error(path_ + ": read error after line " + std::to_string(line_no_) + ": " + msg);
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  buf_.append(chunk, static_cast<size_t>(n));
  return true;
}

bool LineReader::next(std::string& line) {
  for (;;) {
    const size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      line.assign(buf_, pos_, nl - pos_);
      pos_ = nl + 1;
      break;
    }
    if (!fill()) {
      if (pos_ >= buf_.size()) return false;
      line.assign(buf_, pos_, std::string::npos);
      pos_ = buf_.size();
      break;
    }
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  ++line_no_;
  return true;
}

std::vector<std::string> split_fields(const std::string& line, char delim, bool quotes) {
  std::vector<std::string> out;
  std::string cur;
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quotes && in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        cur += c;
      }
    } else if (quotes && c == '"' && cur.empty()) {
      in_quotes = true;
    } else if (c == delim) {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

}  // namespace bcemb
