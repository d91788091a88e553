#include "bcemb/util/block_cache.h"

#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

namespace bcemb {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(TensorBlockCache, ReusesAFreedBlockOfAboutTheSameSize) {
  TensorBlockCache cache(256 * kMiB, c10::GetDefaultCPUAllocator());
  c10::DataPtr a = cache.allocate(50 * kMiB);
  void* const p = a.get();
  std::memset(p, 7, 50 * kMiB);
  a.clear();
  EXPECT_EQ(cache.cached_bytes(), 50 * kMiB);
  c10::DataPtr b = cache.allocate(38 * kMiB);  // under 4/5 of the kept block: a new one
  EXPECT_NE(b.get(), p);
  EXPECT_EQ(cache.cached_bytes(), 50 * kMiB);
  c10::DataPtr c = cache.allocate(41 * kMiB);  // fits, wastes under a fifth: the kept block
  EXPECT_EQ(c.get(), p);
  EXPECT_EQ(cache.cached_bytes(), 0u);
  static_cast<char*>(c.get())[41 * kMiB - 1] = 1;  // writable to its end
  c10::DataPtr d = cache.allocate(60 * kMiB);  // larger than anything kept
  EXPECT_NE(d.get(), p);
  c10::DataPtr small = cache.allocate(kMiB);  // under kMinBlock: the small allocator's, not kept
  small.clear();
  EXPECT_EQ(cache.cached_bytes(), 0u);
  b.clear();
  c.clear();
  d.clear();
  EXPECT_EQ(cache.cached_bytes(), 148 * kMiB);  // each block's own size: 38 + 50 + 60
}

TEST(TensorBlockCache, GivesBackTheOldestBeyondItsCapacity) {
  TensorBlockCache cache(100 * kMiB, c10::GetDefaultCPUAllocator());
  c10::DataPtr a = cache.allocate(40 * kMiB), b = cache.allocate(40 * kMiB), c = cache.allocate(40 * kMiB);
  void* const pb = b.get();
  void* const pc = c.get();
  a.clear();
  b.clear();
  EXPECT_EQ(cache.cached_bytes(), 80 * kMiB);
  c.clear();  // 120 MiB over the capacity: a goes back
  EXPECT_EQ(cache.cached_bytes(), 80 * kMiB);
  c10::DataPtr x = cache.allocate(40 * kMiB), y = cache.allocate(40 * kMiB);
  EXPECT_TRUE((x.get() == pb && y.get() == pc) || (x.get() == pc && y.get() == pb));
  EXPECT_EQ(cache.cached_bytes(), 0u);
  c10::DataPtr z = cache.allocate(200 * kMiB);  // larger than the capacity: served, not kept
  z.clear();
  EXPECT_EQ(cache.cached_bytes(), 0u);
}

TEST(TensorBlockCache, RawInterfaceKeepsLargeBlocksOnly) {
  TensorBlockCache cache(256 * kMiB, c10::GetDefaultCPUAllocator());
  void* large = cache.raw_allocate(40 * kMiB);
  void* small = cache.raw_allocate(1000);
  std::memset(small, 1, 1000);
  cache.raw_deallocate(small);
  EXPECT_EQ(cache.cached_bytes(), 0u);
  cache.raw_deallocate(large);
  EXPECT_EQ(cache.cached_bytes(), 40 * kMiB);
}

// As the CLI runs: libtorch's tensors come from the cache, and a reused
// block holds what the new tensor says, not the last one's values.
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
  const auto small = torch::ones({16});
  EXPECT_EQ(small.sum().item<float>(), 16.0f);
}

}  // namespace
}  // namespace bcemb
