// bcemb launch: the ranks of a data-parallel job on this machine.
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "bcemb/dist/launch.h"
#include "bcemb/util/error.h"
#include "commands.h"

namespace bcemb::cli {

namespace {
std::string this_program() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw Error("launch: cannot find the bcemb executable (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}
}  // namespace

void register_launch(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "launch", "run a training command as N data-parallel ranks on this machine: bcemb launch --nproc 2 -- train ...");
  auto opts = std::make_shared<dist::LaunchOptions>();
  cmd->add_option("--nproc", opts->nproc, "ranks to start")->capture_default_str();
  cmd->add_option("--rendezvous", opts->rendezvous,
                  "tcp://127.0.0.1:PORT or file://PATH (default: a file in a fresh temporary folder)");
  cmd->add_option("command", opts->args, "the command each rank runs (after --): train, compare, experiment, bench train")
      ->required();
  cmd->callback([opts] {
    // The command after any global flags (-q) must be one that trains.
    const auto first = std::find_if(opts->args.begin(), opts->args.end(), [](const std::string& a) { return a[0] != '-'; });
    const std::string name = first == opts->args.end() ? "" : *first;
    if (name != "train" && name != "compare" && name != "experiment" && name != "sweep" && name != "demo" &&
        name != "bench")
      throw Error("launch runs a training command (train, compare, experiment, sweep, demo, bench train), not '" +
                  name + "'");
    opts->program = this_program();
    const int status = dist::launch_local(*opts);
    if (status != 0) std::exit(status);
  });
}

}  // namespace bcemb::cli
