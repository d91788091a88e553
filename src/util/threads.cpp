#include "bcemb/util/threads.h"

#include <cblas.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "bcemb/dist/collective.h"
#include "bcemb/util/error.h"
#include "bcemb/util/jobs.h"

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

int effective_jobs(int jobs) {
  if (jobs < 0) throw Error("--jobs must be 0 (one per thread) or positive, got " + std::to_string(jobs));
  if (dist::current() != nullptr) return 1;
  return jobs > 0 ? jobs : get_threads();
}

int threads_per_job(int jobs, int64_t count) {
  const int64_t n = std::min<int64_t>(effective_jobs(jobs), count);
  return n <= 1 ? get_threads() : std::max(1, get_threads() / static_cast<int>(n));
}

void run_parallel_jobs(int jobs, int64_t count, const std::function<void(int64_t)>& task) {
  const int64_t n = std::min<int64_t>(effective_jobs(jobs), count);
  if (n <= 1) return run_jobs(1, count, nullptr, task);
  // OpenMP's thread count is per thread (libtorch and OpenBLAS read the
  // calling thread's), so each job sets its own share.
  const ScopedThreads restore(get_threads());
  const int each = threads_per_job(jobs, count);
  run_jobs(static_cast<int>(n), count, [each] { set_threads(each); }, task);
}

std::mutex& default_generator_mutex() {
  static std::mutex m;
  return m;
}

void seed_default_generator(uint64_t seed) { torch::manual_seed(seed); }

}  // namespace bcemb
