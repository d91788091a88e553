#pragma once
// Thread count for libtorch (intra-op) and OpenBLAS. libtorch starts with one
// thread here; bcemb uses all cores unless told otherwise.
#include <cstdint>
#include <functional>
#include <mutex>

namespace bcemb {

int default_threads();  // BCEMB_THREADS if set, else the number of cores
void set_threads(int n);
int get_threads();

// Sets the calling thread's count for its lifetime, then restores it.
class ScopedThreads {
 public:
  explicit ScopedThreads(int n) : previous_(get_threads()) { set_threads(n); }
  ~ScopedThreads() { set_threads(previous_); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int previous_;
};

// How many independent jobs (strategies, consumer tasks) run at once for a
// setting of `--jobs` (0 = one per thread); 1 in a data-parallel job, whose
// collectives must come in the same order on every rank.
int effective_jobs(int jobs);

// run_jobs (util/jobs.h) with the threads shared out: each of the n =
// min(jobs, count) jobs computes on get_threads() / n threads (at least 1),
// and the caller's thread count is restored afterwards. Small models use a
// second thread poorly, so two one-thread jobs finish sooner than two
// two-thread jobs in turn (MovieLens: 1.29x).
void run_parallel_jobs(int jobs, int64_t count, const std::function<void(int64_t)>& task);
// The threads each of run_parallel_jobs' jobs computes on.
int threads_per_job(int jobs, int64_t count);

// libtorch's default generator is one per process, and modules draw their
// initial weights from it: a job seeds it and builds its modules under this
// lock, so that they get the same weights as they would alone.
std::mutex& default_generator_mutex();
void seed_default_generator(uint64_t seed);  // torch::manual_seed; hold the mutex

template <class Make>
auto seeded_init(uint64_t seed, Make&& make) {
  const std::lock_guard<std::mutex> lock(default_generator_mutex());
  seed_default_generator(seed);
  return make();
}

}  // namespace bcemb
