#include "bcemb/util/jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bcemb {
namespace {

TEST(Jobs, EveryTaskRunsOnceAndEachThreadStartsFirst) {
  std::vector<std::atomic<int>> runs(50);
  std::mutex mu;
  std::set<std::thread::id> started, ran;
  run_jobs(
      3, 50,
      [&] {
        const std::lock_guard<std::mutex> lock(mu);
        started.insert(std::this_thread::get_id());
      },
      [&](int64_t i) {
        ++runs[static_cast<size_t>(i)];
        const std::lock_guard<std::mutex> lock(mu);
        ran.insert(std::this_thread::get_id());
      });
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_EQ(started.size(), 3u);
  for (const auto& id : ran) EXPECT_EQ(started.count(id), 1u) << "a task ran on a thread that did not start";
  EXPECT_EQ(started.count(std::this_thread::get_id()), 0u);
}

TEST(Jobs, OneJobRunsInOrderOnTheCallingThread) {
  std::vector<int64_t> order;
  bool started = false;
  run_jobs(
      1, 5, [&] { started = true; },
      [&, caller = std::this_thread::get_id()](int64_t i) {
        EXPECT_EQ(std::this_thread::get_id(), caller);
        order.push_back(i);
      });
  EXPECT_EQ(order, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(started);
}

TEST(Jobs, AFailureIsRethrownAndStopsNewTasks) {
  std::vector<std::atomic<int>> runs(100);
  EXPECT_THROW(run_jobs(2, 100, nullptr,
                        [&](int64_t i) {
                          ++runs[static_cast<size_t>(i)];
                          if (i == 0) throw std::runtime_error("task 0 failed");
                        }),
               std::runtime_error);
  for (const auto& r : runs) EXPECT_LE(r.load(), 1);
  // One job: nothing after the failing task runs.
  std::vector<int64_t> seen;
  EXPECT_THROW(run_jobs(1, 3, nullptr,
                        [&](int64_t i) {
                          seen.push_back(i);
                          if (i == 1) throw std::runtime_error("x");
                        }),
               std::runtime_error);
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1}));
}

}  // namespace
}  // namespace bcemb
