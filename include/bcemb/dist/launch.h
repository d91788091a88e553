#pragma once
// `bcemb launch`: the ranks of a data-parallel job as child processes on this
// machine (loopback), like torchrun's single-node mode.
#include <string>
#include <vector>

namespace bcemb::dist {

struct LaunchOptions {
  int nproc = 2;
  std::string program;              // the bcemb executable
  std::vector<std::string> args;    // the command every rank runs, e.g. {"train", "--out", "run"}
  std::string rendezvous;           // "" = file:// in a fresh temporary folder
};

// Starts rank r as `program args... --world-size N --rank r --rendezvous URL`,
// forwards each rank's stderr line by line prefixed "[rank r] " (stdout is
// shared as is: only rank 0 prints results), gives each rank cores / N
// threads unless BCEMB_THREADS is set, passes SIGINT/SIGTERM on, and
// waits for every rank. Returns the exit status of the first rank to fail
// (128 + signal for a killed one), else 0.
int launch_local(const LaunchOptions& options);

}  // namespace bcemb::dist
