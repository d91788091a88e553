#pragma once
// A small result table written as Markdown and CSV (JSON is built by callers).
#include <string>
#include <vector>

namespace bcemb {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string to_markdown() const;
  std::string to_csv() const;
};

std::string fmt(double v, int decimals = 4);         // "nan" for NaN
std::string fmt_signed(double v, int decimals = 1);  // "+1.2" / "-3.4"

}  // namespace bcemb
