#include "bcemb/util/block_cache.h"

#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>

#include <cstdlib>

#include <list>
#include <mutex>
#include <new>
#include <unordered_map>

namespace bcemb {

struct TensorBlockCache::State {
  struct Block {
    void* data;
    size_t bytes;
  };
  size_t capacity;
  c10::Allocator* small;
  std::list<Block> kept;  // oldest first
  size_t kept_bytes = 0;
};

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// A new block on 2 MiB boundaries, advised onto huge pages before its first
// touch: a fault then maps 2 MiB at once, and reads at random rows (the
// kept layer outputs) miss the TLB far less.
void* new_block(size_t bytes) {
  void* data = nullptr;
  if (posix_memalign(&data, kHugePage, bytes) != 0) throw std::bad_alloc();
  madvise(data, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);
  return data;
}

// Large blocks in use, by address, and the cache each belongs to: a deleter
// is a plain function of the address (raw_deallocate passes nothing else).
// One lock guards this map and every cache's kept blocks.
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

void release_large(void* data) {
  std::list<TensorBlockCache::State::Block> evicted;
  {
    std::lock_guard<std::mutex> guard(lock());
    const auto it = live().find(data);
    TensorBlockCache::State& s = *it->second.owner;
    const size_t bytes = it->second.bytes;
    live().erase(it);
    s.kept.push_back({data, bytes});
    s.kept_bytes += bytes;
    while (s.kept_bytes > s.capacity) {
      s.kept_bytes -= s.kept.front().bytes;
      evicted.splice(evicted.end(), s.kept, s.kept.begin());
    }
  }
  for (const auto& b : evicted) std::free(b.data);
}

// raw_deallocate's deleter: a large block of some cache, else the small allocator's.
void release_any(void* data) {
  TensorBlockCache::State* owner = nullptr;
  {
    std::lock_guard<std::mutex> guard(lock());
    const auto it = live().find(data);
    if (it != live().end()) owner = it->second.owner;
  }
  if (owner != nullptr)
    release_large(data);
  else
    c10::GetDefaultCPUAllocator()->raw_deleter()(data);
}

}  // namespace

TensorBlockCache::TensorBlockCache(size_t capacity, c10::Allocator* small)
    : state_(std::make_unique<State>(State{capacity, small, {}, 0})) {}

TensorBlockCache::~TensorBlockCache() {
  std::lock_guard<std::mutex> guard(lock());
  for (const auto& b : state_->kept) std::free(b.data);
}

c10::DataPtr TensorBlockCache::allocate(size_t bytes) const {
  if (bytes < kMinBlock) return state_->small->allocate(bytes);
  const c10::Device cpu(c10::DeviceType::CPU);
  std::lock_guard<std::mutex> guard(lock());
  State& s = *state_;
  // The smallest kept block that fits and wastes at most a fifth of itself.
  auto best = s.kept.end();
  for (auto it = s.kept.begin(); it != s.kept.end(); ++it)
    if (it->bytes >= bytes && it->bytes / 5 * 4 <= bytes && (best == s.kept.end() || it->bytes < best->bytes)) best = it;
  void* data = nullptr;
  size_t size = bytes;
  if (best != s.kept.end()) {
    data = best->data;
    size = best->bytes;
    s.kept_bytes -= size;
    s.kept.erase(best);
  } else {
    data = new_block(bytes);
  }
  live().emplace(data, Live{state_.get(), size});
  return {data, data, &release_large, cpu};
}

c10::DeleterFnPtr TensorBlockCache::raw_deleter() const { return &release_any; }

size_t TensorBlockCache::cached_bytes() const {
  std::lock_guard<std::mutex> guard(lock());
  return state_->kept_bytes;
}

void install_tensor_block_cache(size_t capacity) {
  // Never destroyed: libtorch holds the pointer for the life of the process.
  static auto* cache = new TensorBlockCache(capacity, c10::GetDefaultCPUAllocator());
  static const bool installed = (c10::SetAllocator(c10::DeviceType::CPU, cache, 1), true);
  (void)installed;
}

}  // namespace bcemb
