#include "bcemb/util/jobs.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace bcemb {

void run_jobs(int jobs, int64_t count, const std::function<void()>& on_start,
              const std::function<void(int64_t)>& task) {
  if (jobs <= 1 || count <= 1) {
    for (int64_t i = 0; i < count; ++i) task(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first;
  std::mutex mu;
  auto worker = [&] {
    try {
      if (on_start) on_start();
      // A claimed job always runs (jobs may wait for ones before them, which
      // must then run or fail); after a failure no new job is claimed.
      while (!failed) {
        const int64_t i = next++;
        if (i >= count) break;
        task(i);
      }
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mu);
      if (!first) first = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> threads;
  const int64_t n = std::min<int64_t>(jobs, count);
  for (int64_t t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace bcemb
