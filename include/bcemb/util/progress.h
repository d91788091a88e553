#pragma once
// Progress lines on stderr with elapsed time and ETA. Results never go here.
#include <chrono>
#include <string>

namespace bcemb {

class Progress {
 public:
  // total = number of steps expected (0 = unknown, no ETA).
  Progress(std::string label, int64_t total);
  // Prints "[label] step/total  message  elapsed 3.2s  ETA 10.1s".
  void step(int64_t done, const std::string& message);
  double elapsed_s() const;
  static void set_quiet(bool quiet);
  static bool quiet();

 private:
  std::string label_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_;
};

std::string format_seconds(double s);
void log_line(const std::string& line);  // stderr, unless quiet

}  // namespace bcemb
