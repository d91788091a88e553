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
  const size_t old = buf_.size();
  constexpr size_t kChunk = 1 << 18;
  buf_.resize(old + kChunk);
  gzFile f = static_cast<gzFile>(gz_);
  const int n = gzread(f, buf_.data() + old, static_cast<unsigned>(kChunk));
  buf_.resize(old + static_cast<size_t>(n > 0 ? n : 0));
  int err = Z_OK;
  const char* msg = gzerror(f, &err);
  // zlib reports a truncated stream as Z_BUF_ERROR while still returning the
  // data before the break; a corrupt one as Z_DATA_ERROR (bad data or CRC).
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
    std::string why = err == Z_BUF_ERROR ? "the gzip stream ends early (truncated file)" : msg;
    if (why.rfind(path_ + ": ", 0) == 0) why.erase(0, path_.size() + 2);  // zlib prefixes the path
    throw Error(path_ + ": damaged compressed data (detected at byte " + std::to_string(gzoffset(f)) + " of the file): " + why);
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

bool LineReader::next(std::string_view& line) {
  size_t scan = pos_;
  for (;;) {
    const size_t nl = buf_.find('\n', scan);
    if (nl != std::string::npos) {
      line = std::string_view(buf_).substr(pos_, nl - pos_);
      pos_ = nl + 1;
      break;
    }
    scan = buf_.size() - pos_;  // after fill() the unread part starts at 0
    if (!fill()) {
      if (pos_ >= buf_.size()) return false;
      line = std::string_view(buf_).substr(pos_);
      pos_ = buf_.size();
      break;
    }
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++line_no_;
  return true;
}

bool LineReader::next(std::string& line) {
  std::string_view v;
  if (!next(v)) return false;
  line.assign(v);
  return true;
}

void check_compressed_stream(const std::string& path) {
  LineReader in(path);
  while (in.fill()) in.pos_ = in.buf_.size();
}

void split_fields(std::string_view line, char delim, bool quotes, std::vector<std::string_view>& out,
                  std::string& scratch) {
  out.clear();
  if (!quotes || line.find('"') == std::string_view::npos) {
    size_t start = 0;
    for (;;) {
      const size_t end = line.find(delim, start);
      if (end == std::string_view::npos) {
        out.push_back(line.substr(start));
        return;
      }
      out.push_back(line.substr(start, end - start));
      start = end + 1;
    }
  }
  // Quoted fields: unescape into scratch; reserve first so views into it stay valid.
  scratch.clear();
  scratch.reserve(line.size());
  size_t field_start = 0;
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          scratch += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        scratch += c;
      }
    } else if (c == '"' && scratch.size() == field_start) {
      in_quotes = true;
    } else if (c == delim) {
      out.emplace_back(scratch.data() + field_start, scratch.size() - field_start);
      field_start = scratch.size();
    } else {
      scratch += c;
    }
  }
  out.emplace_back(scratch.data() + field_start, scratch.size() - field_start);
}

std::vector<std::string> split_fields(std::string_view line, char delim, bool quotes) {
  std::vector<std::string_view> views;
  std::string scratch;
  split_fields(line, delim, quotes, views, scratch);
  return {views.begin(), views.end()};
}

}  // namespace bcemb
