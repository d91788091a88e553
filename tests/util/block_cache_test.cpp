#include "bcemb/util/block_cache.h"

#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace bcemb {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

bool on_2mib_boundary(const void* p) { return reinterpret_cast<uintptr_t>(p) % (2 * kMiB) == 0; }

TEST(TensorBlockCache, ReusesAFreedBlockOfAboutTheSameSize) {
  TensorBlockCache cache(256 * kMiB);
  c10::DataPtr a = cache.allocate(50 * kMiB);
  void* const p = a.get();
  EXPECT_TRUE(on_2mib_boundary(p));
  std::memset(p, 7, 50 * kMiB);
  a.clear();
  EXPECT_EQ(cache.cached_bytes(), 50 * kMiB);
  c10::DataPtr b = cache.allocate(38 * kMiB);  // under 4/5 of the kept block: a new one
  EXPECT_NE(b.get(), p);
  EXPECT_EQ(cache.cached_bytes(), 50 * kMiB);
  c10::DataPtr c = cache.allocate(41 * kMiB - 5);  // fits, wastes under a fifth: the kept block
  EXPECT_EQ(c.get(), p);
  EXPECT_EQ(cache.cached_bytes(), 0u);
  static_cast<char*>(c.get())[41 * kMiB - 6] = 1;  // writable to its end
  c10::DataPtr small = cache.allocate(kMiB);  // under kMinBlock: the default allocator's, not kept
  std::memset(small.get(), 1, kMiB);
  small.clear();
  EXPECT_EQ(cache.cached_bytes(), 0u);
  b.clear();
  c.clear();
  EXPECT_EQ(cache.cached_bytes(), 88 * kMiB);  // each block's own size, 38 and 50
  c10::DataPtr d = cache.allocate(33 * kMiB + 1);  // rounded up to 34 MiB: not the 50
  EXPECT_EQ(cache.cached_bytes(), 50 * kMiB);
}

TEST(TensorBlockCache, GivesBackTheOldestBeyondItsCapacity) {
  TensorBlockCache cache(100 * kMiB);
  c10::DataPtr a = cache.allocate(40 * kMiB);
  c10::DataPtr b = cache.allocate(40 * kMiB);
  c10::DataPtr c = cache.allocate(40 * kMiB);
  void* const pb = b.get();
  void* const pc = c.get();
  a.clear();
  b.clear();
  EXPECT_EQ(cache.cached_bytes(), 80 * kMiB);
  c.clear();  // 120 MiB is over the capacity: a goes back
  EXPECT_EQ(cache.cached_bytes(), 80 * kMiB);
  c10::DataPtr z = cache.allocate(200 * kMiB);  // larger than the capacity: served, not kept,
  z.clear();                                    // and the kept blocks stay
  EXPECT_EQ(cache.cached_bytes(), 80 * kMiB);
  c10::DataPtr x = cache.allocate(40 * kMiB);
  c10::DataPtr y = cache.allocate(40 * kMiB);
  EXPECT_TRUE((x.get() == pb && y.get() == pc) || (x.get() == pc && y.get() == pb));
  EXPECT_EQ(cache.cached_bytes(), 0u);
}

TEST(TensorBlockCache, RawInterfaceTakesEveryBlockBack) {
  TensorBlockCache cache(256 * kMiB);
  void* large = cache.raw_allocate(40 * kMiB);
  void* small = cache.raw_allocate(1000);
  std::memset(small, 1, 1000);
  cache.raw_deallocate(small);
  cache.raw_deallocate(nullptr);
  EXPECT_EQ(cache.cached_bytes(), 0u);
  cache.raw_deallocate(large);
  EXPECT_EQ(cache.cached_bytes(), 40 * kMiB);
  // A block made before the cache (libtorch's default allocator) goes back to it.
  void* before = c10::GetDefaultCPUAllocator()->raw_allocate(64 * kMiB);
  cache.raw_deallocate(before);
  EXPECT_EQ(cache.cached_bytes(), 40 * kMiB);
}

// A cache may go while tensors from it live: their blocks are freed, not kept.
TEST(TensorBlockCache, BlocksOutliveTheirCache) {
  c10::DataPtr a;
  {
    TensorBlockCache cache(256 * kMiB);
    a = cache.allocate(40 * kMiB);
    c10::DataPtr kept = cache.allocate(40 * kMiB);
  }
  std::memset(a.get(), 3, 40 * kMiB);
  a.clear();
  TensorBlockCache other(256 * kMiB);
  EXPECT_EQ(other.cached_bytes(), 0u);
}

// Blocks allocated and freed on several threads at once: each thread sees
// only its own contents, and every block ends up kept or given back.
TEST(TensorBlockCache, ThreadsShareItSafely) {
  TensorBlockCache cache(160 * kMiB);
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cache, &bad, t] {
      for (int i = 0; i < 25; ++i) {
        const size_t bytes = (33 + (t * 7 + i) % 9) * kMiB;
        c10::DataPtr p = cache.allocate(bytes);
        auto* c = static_cast<unsigned char*>(p.get());
        c[0] = c[bytes - 1] = static_cast<unsigned char>(t + 1);
        c10::DataPtr q = cache.allocate(100);
        std::this_thread::yield();
        if (c[0] != t + 1 || c[bytes - 1] != t + 1) ++bad[t];
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, std::vector<int>(4, 0));
  EXPECT_LE(cache.cached_bytes(), 160 * kMiB);
  EXPECT_GT(cache.cached_bytes(), 0u);
}

// As the CLI runs (the cache then serves this test process's later tensors):
// libtorch's tensors come from the cache, and a reused block holds what the
// new tensor says, not the last one's values.
TEST(TensorBlockCache, InstalledItServesLibtorchsTensors) {
  install_tensor_block_cache();
  const auto* cache = dynamic_cast<const TensorBlockCache*>(c10::GetCPUAllocator());
  ASSERT_NE(cache, nullptr);
  const int64_t n = 10 * static_cast<int64_t>(kMiB);  // 40 MiB of floats
  auto t = torch::full({n}, 3.0f);
  const void* p = t.data_ptr();
  t = torch::Tensor();
  EXPECT_GE(cache->cached_bytes(), 40 * kMiB);
  const auto z = torch::zeros({n});
  EXPECT_EQ(z.data_ptr(), p);
  EXPECT_EQ(z.abs().max().item<float>(), 0.0f);
  auto grown = torch::ones({16});
  grown.resize_({n + 16});  // a storage that grows moves through the allocator
  EXPECT_EQ(grown.narrow(0, 0, 16).sum().item<float>(), 16.0f);
}

}  // namespace
}  // namespace bcemb
