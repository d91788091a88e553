#include "bcemb/dist/launch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "bcemb/io/scratch_dir.h"
#include "bcemb/util/error.h"

namespace bcemb::dist {

namespace {

volatile sig_atomic_t g_signal = 0, g_signals = 0;
void on_signal(int sig) {
  g_signal = sig;
  ++g_signals;
}

struct Rank {
  pid_t pid = -1;
  int err = -1;  // read end of its stderr
  std::string pending;
};

void forward(int r, std::string& pending, const char* data, size_t n, bool flush) {
  pending.append(data, n);
  size_t start = 0;
  for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
    std::cerr << "[rank " << r << "] " << pending.substr(start, nl + 1 - start);
  pending.erase(0, start);
  if (flush && !pending.empty()) {
    std::cerr << "[rank " << r << "] " << pending << '\n';
    pending.clear();
  }
  std::cerr.flush();
}

}  // namespace

int launch_local(const LaunchOptions& o) {
  if (o.nproc < 1) throw Error("--nproc must be >= 1");
  if (o.args.empty()) throw Error("launch: give the command each rank runs after --, e.g. -- train --out run");
  std::optional<ScratchDir> tmp;  // the default rendezvous file's folder
  std::string url = o.rendezvous;
  if (url.empty()) {
    tmp.emplace("bcemb-launch-");
    url = "file://" + tmp->path() + "/store";
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  // N ranks each taking every core would oversubscribe the machine: the
  // ranks share the cores out unless the user set BCEMB_THREADS (--threads
  // still wins), as torchrun does with OMP_NUM_THREADS.
  if (std::getenv("BCEMB_THREADS") == nullptr) {
    const unsigned cores = std::thread::hardware_concurrency();
    setenv("BCEMB_THREADS", std::to_string(std::max(1u, cores / static_cast<unsigned>(o.nproc))).c_str(), 1);
  }
  std::vector<Rank> ranks(static_cast<size_t>(o.nproc));
  // Started ranks must not outlive a launcher that fails to start the rest.
  auto abandon = [&](const std::string& what) {
    for (auto& k : ranks)
      if (k.pid > 0) {
        kill(k.pid, SIGKILL);
        waitpid(k.pid, nullptr, 0);
      }
    throw Error("launch: " + what + ": " + std::strerror(errno));
  };
  for (int r = 0; r < o.nproc; ++r) {
    std::vector<std::string> argv{o.program};
    argv.insert(argv.end(), o.args.begin(), o.args.end());
    argv.insert(argv.end(), {"--world-size", std::to_string(o.nproc), "--rank", std::to_string(r), "--rendezvous", url});
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) abandon("pipe");
    const pid_t pid = fork();
    if (pid < 0) abandon("fork");
    if (pid == 0) {
      dup2(fds[1], STDERR_FILENO);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      execv(o.program.c_str(), cargv.data());
      const std::string msg = "cannot run " + o.program + ": " + std::strerror(errno) + "\n";
      (void)!write(STDERR_FILENO, msg.data(), msg.size());
      _exit(127);
    }
    close(fds[1]);
    ranks[static_cast<size_t>(r)].pid = pid;
    ranks[static_cast<size_t>(r)].err = fds[0];
  }

  int status_first = 0, forwarded = 0;
  char buf[65536];
  while (std::any_of(ranks.begin(), ranks.end(), [](const Rank& k) { return k.pid > 0 || k.err >= 0; })) {
    // The first SIGINT/SIGTERM is passed on (ranks stop gracefully); a
    // second one kills them.
    if (g_signals != forwarded) {
      forwarded = g_signals;
      for (const auto& k : ranks)
        if (k.pid > 0) kill(k.pid, forwarded > 1 ? SIGKILL : g_signal);
    }
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t r = 0; r < ranks.size(); ++r)
      if (ranks[r].err >= 0) {
        fds.push_back({ranks[r].err, POLLIN, 0});
        which.push_back(r);
      }
    // Short waits: a rank's exit is noticed even while another keeps its pipe open.
    if (!fds.empty() && poll(fds.data(), fds.size(), 200) > 0) {
      for (size_t i = 0; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        Rank& k = ranks[which[i]];
        const ssize_t n = read(k.err, buf, sizeof buf);
        if (n > 0) {
          forward(static_cast<int>(which[i]), k.pending, buf, static_cast<size_t>(n), false);
        } else if (n == 0 || errno != EINTR) {
          forward(static_cast<int>(which[i]), k.pending, buf, 0, true);
          close(k.err);
          k.err = -1;
        }
      }
    } else if (fds.empty()) {
      usleep(50 * 1000);
    }
    for (auto& k : ranks) {
      int st = 0;
      if (k.pid <= 0 || waitpid(k.pid, &st, WNOHANG) != k.pid) continue;
      const int r = static_cast<int>(&k - ranks.data());
      const int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      if (code != 0) {
        std::cerr << "[launch] rank " << r
                  << (WIFEXITED(st) ? " exited with status " + std::to_string(code)
                                    : " was killed by signal " + std::to_string(WTERMSIG(st)))
                  << '\n';
        if (status_first == 0) status_first = code;
      }
      k.pid = -1;
    }
  }
  return status_first;
}

}  // namespace bcemb::dist
