#include "bcemb/util/hash.h"

#include <cstdio>

namespace bcemb {

std::string fnv1a64_hex(const std::string& s) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(s)));
  return buf;
}

}  // namespace bcemb
