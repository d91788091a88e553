#include "bcemb/util/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25  // Linux 6.1 (older headers lack the name; older kernels reject it)
#endif

namespace bcemb {

void use_huge_pages(const void* data, size_t bytes) {
  constexpr auto kHuge = static_cast<uintptr_t>(kHugePageBytes);
  // From 32 MiB on glibc maps an array on its own (M_MMAP_THRESHOLD, set in
  // prepare_runtime), so the advice ends with it (a tensor's block, kept by
  // util/block_cache.h, is already on huge pages and costs nothing here);
  // smaller arrays share heap pages that later allocations reuse (and at 1M
  // they measured no gain).
  if (data == nullptr || bytes < 16 * kHuge) return;
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t a = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t b = (begin + bytes) & ~(kHuge - 1);
  if (b <= a) return;
  // Only the array's own interior: the neighbouring allocations keep their pages.
  void* p = reinterpret_cast<void*>(a);
  madvise(p, b - a, MADV_HUGEPAGE);
  madvise(p, b - a, MADV_COLLAPSE);
}

}  // namespace bcemb
