#include "bcemb/util/error.h"

namespace bcemb {

std::string location(const std::string& file, int64_t line, const std::string& field) {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (!field.empty()) s += ": field '" + field + "'";
  return s;
}

}  // namespace bcemb
