#pragma once
// SHA-256 (FIPS 180-4), for the checksums of the registry's data files.
#include <cstddef>
#include <cstdint>
#include <string>

namespace bcemb {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  std::string hex_digest();  // finishes the hash

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(const std::string& data);
std::string sha256_file(const std::string& path);  // throws Error if unreadable

}  // namespace bcemb
