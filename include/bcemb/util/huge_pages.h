#pragma once
// Large arrays that are read at random rows (the historical plan's kept
// layer outputs, a big graph's adjacency) cost a TLB miss per row on 4 KiB
// pages once they outgrow the TLB's reach (a few MiB); on 2 MiB pages the
// whole array is a few dozen entries.
#include <cstddef>

namespace bcemb {

constexpr size_t kHugePageBytes = size_t{2} << 20;  // x86-64's transparent huge pages

// Asks the kernel to back the 2 MiB-aligned interior of [data, data + bytes)
// with huge pages: for pages touched later (MADV_HUGEPAGE) and for those
// already there (MADV_COLLAPSE, Linux 6.1+). Arrays under 32 MiB are left
// alone. Advice only: where the kernel declines, nothing changes.
void use_huge_pages(const void* data, size_t bytes);

}  // namespace bcemb
