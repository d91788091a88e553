#pragma once
// Errors raised at the boundaries of bcemb (files, flags, requests).
// Every message names where the problem is (file, line, field, version) so the
// CLI can print it as-is and exit non-zero.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace bcemb {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// "file:line: field 'f': message" (line 0 and empty field are omitted).
std::string location(const std::string& file, int64_t line, const std::string& field = "");

class InputError : public Error {
 public:
  InputError(const std::string& file, int64_t line, const std::string& field, const std::string& message)
      : Error(location(file, line, field) + ": " + message), file_(file), line_(line), field_(field) {}
  const std::string& file() const { return file_; }
  int64_t line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  int64_t line_;
  std::string field_;
};

}  // namespace bcemb
