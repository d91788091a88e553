#include "bcemb/util/progress.h"

#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>

namespace bcemb {

namespace {
std::atomic<bool> g_quiet{false};
std::mutex g_log_mutex;
}  // namespace

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()) {}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::step(int64_t done, const std::string& message) {
  const double el = elapsed_s();
  std::string line = "[" + label_ + "] ";
  if (total_ > 0) line += std::to_string(done) + "/" + std::to_string(total_) + "  ";
  line += message + "  elapsed " + format_seconds(el);
  if (total_ > 0 && done > 0 && done < total_) line += "  ETA " + format_seconds(el / done * (total_ - done));
  log_line(line);
}

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }
bool Progress::quiet() { return g_quiet; }

std::string format_seconds(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) % 3600) / 60);
  }
  return buf;
}

void log_line(const std::string& line) {
  if (g_quiet) return;
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::cerr << line << '\n' << std::flush;
}

}  // namespace bcemb
