#include "bcemb/util/interner.h"

#include <functional>

namespace bcemb {

namespace {
uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }
}  // namespace

size_t Interner::probe(std::string_view s, uint64_t h) const {
  const size_t mask = slots_.size() - 1;
  const auto tag = static_cast<uint32_t>(h);
  for (size_t i = (h >> 32) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id < 0 || (slot.tag == tag && names_[static_cast<size_t>(slot.id)] == s)) return i;
  }
}

void Interner::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.id < 0) continue;
    const uint64_t h = hash_of(names_[static_cast<size_t>(slot.id)]);
    size_t i = (h >> 32) & mask;
    while (slots_[i].id >= 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

int32_t Interner::intern(std::string_view s) {
  if (2 * (names_.size() + 1) > slots_.size()) grow();  // load factor <= 1/2
  const uint64_t h = hash_of(s);
  Slot& slot = slots_[probe(s, h)];
  if (slot.id < 0) {
    slot.id = static_cast<int32_t>(names_.size());
    slot.tag = static_cast<uint32_t>(h);
    names_.emplace_back(s);
  }
  return slot.id;
}

int32_t Interner::find(std::string_view s) const {
  if (slots_.empty()) return -1;
  return slots_[probe(s, hash_of(s))].id;
}

}  // namespace bcemb
