#pragma once
// Independent pieces of work run a few at a time on their own threads.
#include <cstdint>
#include <functional>

namespace bcemb {

// Runs task(i) for every i in [0, count) on min(jobs, count) threads, taking
// indices in order; the calling thread waits. Each thread calls on_start()
// first. After a task throws no further task starts; the first exception is
// rethrown once every thread has stopped. jobs <= 1 runs the tasks in order
// on the calling thread, without on_start.
void run_jobs(int jobs, int64_t count, const std::function<void()>& on_start,
              const std::function<void(int64_t)>& task);

}  // namespace bcemb
