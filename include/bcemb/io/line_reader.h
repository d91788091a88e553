#pragma once
// Reads text files line by line, plain or gzip-compressed (detected from the
// content, not the name), counting lines for error messages.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bcemb {

class LineReader {
 public:
  explicit LineReader(const std::string& path);  // throws Error naming the file if it cannot be opened
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line without the trailing '\n' / "\r\n"; false at end of file.
  bool next(std::string& line);
  int64_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }

 private:
  bool fill();
  std::string path_;
  void* gz_ = nullptr;  // gzFile
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  int64_t line_no_ = 0;
};

// Splits on a single-character delimiter; with quotes=true, fields may be
// wrapped in double quotes (RFC 4180: "" inside a quoted field is a quote).
std::vector<std::string> split_fields(const std::string& line, char delim, bool quotes);

}  // namespace bcemb
