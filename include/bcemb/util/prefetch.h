#pragma once
// Requests the cache line at p ahead of a random read. GCC 12 -O2 dropped
// some __builtin_prefetch calls as dead code (seen in the object code: every
// list prefetch of the BPR sampler, while the span prefetch in the same
// function stayed; -fno-tree-dce kept them), so on x86-64 the instruction is
// an asm statement, which is never dropped.
namespace bcemb {

inline void prefetch(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace bcemb
