#include "bcemb/util/threads.h"

#include <cblas.h>
#include <torch/torch.h>

#include <cstdlib>
#include <thread>

#include "bcemb/util/error.h"

namespace bcemb {

int default_threads() {
  if (const char* env = std::getenv("BCEMB_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void set_threads(int n) {
  if (n <= 0) throw Error("--threads must be positive");
  torch::set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_threads() { return torch::get_num_threads(); }

}  // namespace bcemb
