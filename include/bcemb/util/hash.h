#pragma once
// FNV-1a: a small hash that is stable across builds and platforms (unlike
// std::hash), for fingerprints and deterministic splits.
#include <cstdint>
#include <string>

namespace bcemb {

inline uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string fnv1a64_hex(const std::string& s);

}  // namespace bcemb
