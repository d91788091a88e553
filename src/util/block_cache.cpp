#include "bcemb/util/block_cache.h"

#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <list>
#include <mutex>
#include <new>
#include <unordered_map>

#include "bcemb/util/error.h"
#include "bcemb/util/huge_pages.h"

namespace bcemb {

struct TensorBlockCache::State {
  struct Block {
    void* data;
    size_t bytes;
  };
  size_t capacity;
  std::list<Block> kept;  // oldest first
  size_t kept_bytes = 0;
};

namespace {

// Large blocks in use, by address, and the cache each belongs to (none once
// that cache is gone): a deleter is a plain function of the address. One lock
// guards this map and every cache's kept blocks.
struct Live {
  TensorBlockCache::State* owner;
  size_t bytes;
};
std::mutex& lock() {
  static auto* m = new std::mutex;  // never destroyed: tensors may be freed during exit
  return *m;
}
std::unordered_map<void*, Live>& live() {
  static auto* m = new std::unordered_map<void*, Live>;
  return *m;
}

// A new block of whole 2 MiB pages on a 2 MiB boundary, advised onto huge
// pages before its first touch: a fault then maps 2 MiB at once, and reads at
// random rows (the kept layer outputs) miss the TLB far less.
void* new_block(size_t bytes) {
  void* data = nullptr;
  if (posix_memalign(&data, kHugePageBytes, bytes) != 0) return nullptr;
  madvise(data, bytes, MADV_HUGEPAGE);
  return data;
}

void free_blocks(const std::list<TensorBlockCache::State::Block>& blocks) {
  for (const auto& b : blocks) std::free(b.data);
}

// Empties s's kept blocks into the list returned, to be freed outside the lock.
std::list<TensorBlockCache::State::Block> take_kept(TensorBlockCache::State& s) {
  std::list<TensorBlockCache::State::Block> kept;
  std::lock_guard<std::mutex> guard(lock());
  kept.swap(s.kept);
  s.kept_bytes = 0;
  return kept;
}

// The deleter of every block the cache hands out. Large blocks are all 2 MiB
// aligned, so a small block is told apart without the lock in nearly every case.
void release(void* data) {
  if (data == nullptr) return;
  if (reinterpret_cast<uintptr_t>(data) % kHugePageBytes != 0) return c10::GetDefaultCPUAllocator()->raw_deleter()(data);
  std::list<TensorBlockCache::State::Block> freed;
  {
    std::unique_lock<std::mutex> guard(lock());
    const auto it = live().find(data);
    if (it == live().end()) {
      guard.unlock();
      return c10::GetDefaultCPUAllocator()->raw_deleter()(data);
    }
    TensorBlockCache::State* s = it->second.owner;
    const size_t bytes = it->second.bytes;
    live().erase(it);
    if (s == nullptr || bytes > s->capacity) {
      freed.push_back({data, bytes});
    } else {
      s->kept.push_back({data, bytes});
      s->kept_bytes += bytes;
      while (s->kept_bytes > s->capacity) {
        s->kept_bytes -= s->kept.front().bytes;
        freed.splice(freed.end(), s->kept, s->kept.begin());
      }
    }
  }
  free_blocks(freed);
}

// A deleter may not throw (list nodes are allocated above): on failure the block is freed.
void release_noexcept(void* data) noexcept {
  try {
    release(data);
  } catch (...) {
    std::free(data);
  }
}

}  // namespace

TensorBlockCache::TensorBlockCache(size_t capacity) : state_(std::make_unique<State>(State{capacity, {}, 0})) {}

TensorBlockCache::~TensorBlockCache() {
  {
    std::lock_guard<std::mutex> guard(lock());
    for (auto& [data, l] : live())
      if (l.owner == state_.get()) l.owner = nullptr;  // freed when released
  }
  free_blocks(take_kept(*state_));
}

c10::DataPtr TensorBlockCache::allocate(size_t bytes) const {
  const c10::Device cpu(c10::DeviceType::CPU);
  if (bytes < kMinBlock) {
    c10::DataPtr d = c10::GetDefaultCPUAllocator()->allocate(bytes);
    void* data = d.get();
    void* ctx = d.release_context();  // the default allocator's context is its data
    return {data, ctx, &release_noexcept, cpu};
  }
  const size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  State::Block b{nullptr, rounded};
  {
    std::lock_guard<std::mutex> guard(lock());
    State& s = *state_;
    // The smallest kept block that fits and wastes at most a fifth of itself.
    auto best = s.kept.end();
    for (auto it = s.kept.begin(); it != s.kept.end(); ++it) {
      const bool fits = it->bytes >= rounded && it->bytes / 5 * 4 <= rounded;
      if (fits && (best == s.kept.end() || it->bytes < best->bytes)) best = it;
    }
    if (best != s.kept.end()) {
      b = *best;
      s.kept_bytes -= best->bytes;
      s.kept.erase(best);
    }
  }
  if (b.data == nullptr) {
    b.data = new_block(rounded);
    if (b.data == nullptr) {  // give the kept blocks back and try once more
      free_blocks(take_kept(*state_));
      b.data = new_block(rounded);
      if (b.data == nullptr) throw std::bad_alloc();
    }
  }
  try {
    std::lock_guard<std::mutex> guard(lock());
    live().emplace(b.data, Live{state_.get(), b.bytes});
  } catch (...) {
    std::free(b.data);
    throw;
  }
  return {b.data, b.data, &release_noexcept, cpu};
}

c10::DeleterFnPtr TensorBlockCache::raw_deleter() const { return &release_noexcept; }

size_t TensorBlockCache::cached_bytes() const {
  std::lock_guard<std::mutex> guard(lock());
  return state_->kept_bytes;
}

void install_tensor_block_cache(size_t capacity) {
  // Never destroyed: every storage keeps its allocator for the life of the process.
  static TensorBlockCache* const cache = [capacity] {
    auto* c = new TensorBlockCache(capacity);
    c10::SetAllocator(c10::DeviceType::CPU, c, 1);
    if (c10::GetCPUAllocator() != c) throw Error("libtorch kept another CPU allocator than the tensor block cache");
    return c;
  }();
  (void)cache;
}

}  // namespace bcemb
