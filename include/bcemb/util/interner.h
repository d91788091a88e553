#pragma once
// Maps strings to dense ids 0, 1, 2, ... in order of first sight, looked up
// by string_view so a loader's hot loop never builds a std::string for an id
// it has seen before (open addressing, linear probing, power-of-two table).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bcemb {

class Interner {
 public:
  // The id of s, adding it if new.
  int32_t intern(std::string_view s);
  // The id of s, or -1.
  int32_t find(std::string_view s) const;
  const std::string& name(int32_t id) const { return names_[static_cast<size_t>(id)]; }
  const std::vector<std::string>& names() const { return names_; }
  int32_t size() const { return static_cast<int32_t>(names_.size()); }

 private:
  struct Slot {
    int32_t id = -1;
    uint32_t tag = 0;  // low hash bits, to skip most string compares
  };
  size_t probe(std::string_view s, uint64_t h) const;  // slot holding s, or the empty slot where it goes
  void grow();
  std::vector<Slot> slots_;
  std::vector<std::string> names_;
};

}  // namespace bcemb
