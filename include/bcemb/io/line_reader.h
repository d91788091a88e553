#pragma once
// Reads text files line by line, plain or gzip-compressed (detected from the
// content, not the name), counting lines for error messages. A damaged or
// truncated compressed stream is an Error naming the file and the byte offset,
// never a silent end of file.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bcemb {

class LineReader {
 public:
  friend void check_compressed_stream(const std::string& path);
  explicit LineReader(const std::string& path);  // throws Error naming the file if it cannot be opened
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line without the trailing '\n' / "\r\n"; false at end of file.
  // The view stays valid until the next call.
  bool next(std::string_view& line);
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

// Reads a file to its end and throws the Error above if it is a damaged
// compressed stream. Corrupt deflate data can decode to garbage lines before
// zlib notices (the CRC is checked at the end), so a loader that meets a bad
// line in a compressed file checks the stream first: damage is the real cause.
void check_compressed_stream(const std::string& path);

// Splits on a single-character delimiter into views of `line`; with
// quotes=true, fields may be wrapped in double quotes (RFC 4180: "" inside a
// quoted field is a quote). A quoted field's text is unescaped into `scratch`,
// which the views may then point into (valid until the next call with it).
void split_fields(std::string_view line, char delim, bool quotes, std::vector<std::string_view>& out,
                  std::string& scratch);
// The same, as owned strings (for code off the hot path).
std::vector<std::string> split_fields(std::string_view line, char delim, bool quotes);

}  // namespace bcemb
