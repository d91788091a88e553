#include "bcemb/util/runtime.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>

namespace bcemb {

void prepare_runtime(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
  }
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest value glibc accepts
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace bcemb
