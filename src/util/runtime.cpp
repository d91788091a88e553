#include "bcemb/util/runtime.h"

#include <malloc.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace bcemb {

void prepare_runtime() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest value glibc accepts
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#if defined(__x86_64__) || defined(__i386__)
  // Flush denormals to zero (FTZ) and read them as zero (DAZ), as
  // torch.set_flush_denormal(True) does. Threads created later (OpenMP,
  // jobs) inherit the setting.
  _mm_setcsr(_mm_getcsr() | 0x8040);
#endif
}

bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

}  // namespace bcemb
