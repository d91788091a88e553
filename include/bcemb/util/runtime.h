#pragma once
// Process-wide settings that must be in place before heavy work starts.
namespace bcemb {

// Keeps freed heap memory for reuse instead of returning it to the OS after
// every large tensor (which turned each allocation into page faults), and
// flushes denormal floats to zero: a float op on a denormal takes a slow
// microcode path, and joint fits whose alignment converges tightly produce
// them. Call first in main(), before any thread starts.
void prepare_runtime();

// Whether this CPU runs AVX2 and FMA (the hand-written kernels' fast paths).
bool cpu_has_avx2_fma();

}  // namespace bcemb
