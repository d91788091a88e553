// c10d's Gloo process group behind bcemb::dist::Collective. The only file
// that includes c10d (and through it gloo): its headers are heavy.
#include "bcemb/dist/process_group.h"

// ProcessGroupGloo.hpp is empty without it (libtorch's own build defines it;
// the code is in libtorch, the headers it needs come from libgloo-dev).
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <thread>

#include "bcemb/util/error.h"
#include "bcemb/data/loaders.h"

namespace bcemb::dist {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

// The first line of an exception's message: c10::Error appends a backtrace.
std::string first_line(const std::exception& e) {
  const auto* c10e = dynamic_cast<const c10::Error*>(&e);
  std::string s = c10e != nullptr ? c10e->what_without_backtrace() : e.what();
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// A rank that wrote nothing under a key for the store's timeout.
struct SilentRank : std::runtime_error {
  SilentRank(int r, const std::string& why) : std::runtime_error(why), rank(r) {}
  int rank;
};

struct Difference {
  int rank;                   // the rank whose value is not rank 0's
  std::string theirs, first;  // its value, and rank 0's
};

// Every rank puts `value` under key + its rank; rank 0 then reads every
// other rank's value and the others read rank 0's. Returns the first value
// that differs from rank 0's; a rank silent for the store's timeout throws
// SilentRank.
std::optional<Difference> differs_from_rank0(c10d::Store& store, const std::string& key, int rank, int world,
                                             const std::string& value) {
  store.set(key + std::to_string(rank), bytes(value));
  for (int other = rank == 0 ? 1 : 0; other < (rank == 0 ? world : 1); ++other) {
    std::string got;
    try {
      got = text(store.get(key + std::to_string(other)));
    } catch (const std::exception& e) {
      throw SilentRank(other, first_line(e));
    }
    if (got != value) return rank == 0 ? Difference{other, got, value} : Difference{rank, value, got};
  }
  return std::nullopt;
}

class GlooCollective : public Collective {
 public:
  GlooCollective(c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<c10d::ProcessGroupGloo> pg,
                 const DistOptions& o, bool store_on_rank0)
      : store_(std::move(store)), pg_(std::move(pg)), o_(o), store_on_rank0_(store_on_rank0) {}

  int rank() const override { return o_.rank; }
  int world_size() const override { return o_.world_size; }
  uint64_t bytes_reduced() const override { return bytes_; }
  uint64_t allreduce_calls() const override { return calls_; }
  double allreduce_seconds() const override { return seconds_; }

  void allreduce_sum(at::Tensor& t) override {
    if (!t.is_contiguous()) throw Error("allreduce needs a contiguous tensor");
    std::vector<at::Tensor> v{t};
    const auto t0 = Clock::now();
    guarded("allreduce", [&] { pg_->allreduce(v)->wait(); });
    seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
    bytes_ += static_cast<uint64_t>(t.numel()) * t.element_size();
    ++calls_;
  }

  void barrier() override {
    guarded("barrier", [&] { pg_->barrier()->wait(); });
  }

  void agree(const std::string& what, const std::string& value) override {
    const std::string key = "bcemb/agree/" + std::to_string(++agreements_) + "/";
    guarded("check of " + what, [&] {
      if (const auto d = differs_from_rank0(*store_, key, o_.rank, o_.world_size, value))
        throw Error("ranks disagree on the " + what + ": rank " + std::to_string(d->rank) + " has '" + d->theirs +
                    "', rank 0 has '" + d->first + "' (every rank must run the same command on the same data)");
    });
  }

 private:

  // Runs a collective; a failure becomes an Error that names the lost rank(s).
  template <class F>
  void guarded(const std::string& op, F&& f) {
    try {
      f();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error("rank " + std::to_string(o_.rank) + ": " + op + " failed: " + lost_ranks() + " (" + first_line(e) +
                  ")");
    }
  }

  // Which ranks are gone: the survivors check in on the store and whoever
  // does not within a few seconds is named. With two ranks it is the other.
  std::string lost_ranks() {
    const std::string timeout = std::to_string(static_cast<int>(o_.timeout_s)) + " s";
    if (o_.world_size == 2)
      return "lost rank " + std::to_string(1 - o_.rank) + " (it exited or did not answer within " + timeout + ")";
    std::vector<int> missing;
    try {
      store_->set("bcemb/alive/" + std::to_string(o_.rank), bytes("1"));
      const auto deadline = Clock::now() + std::chrono::duration<double>(std::min(o_.timeout_s, 10.0));
      for (;;) {
        missing.clear();
        for (int r = 0; r < o_.world_size; ++r)
          if (r != o_.rank && !store_->check({"bcemb/alive/" + std::to_string(r)})) missing.push_back(r);
        if (missing.empty() || Clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    } catch (const std::exception&) {
      if (store_on_rank0_) return "lost rank 0 (the rendezvous store it hosted is gone)";
      return "lost contact with the rendezvous store";
    }
    if (missing.empty()) return "a rank failed (all ranks still check in)";
    std::string s = missing.size() == 1 ? "lost rank " : "lost ranks ";
    for (size_t i = 0; i < missing.size(); ++i) s += (i > 0 ? ", " : "") + std::to_string(missing[i]);
    return s + " (no check-in within " + std::to_string(static_cast<int>(std::min(o_.timeout_s, 10.0))) +
           " s of the failure)";
  }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
  DistOptions o_;
  bool store_on_rank0_;
  uint64_t bytes_ = 0, calls_ = 0;
  double seconds_ = 0;
  int agreements_ = 0;
};

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

}  // namespace

void DistOptions::validate() const {
  if (world_size < 1) throw Error("--world-size must be >= 1");
  if (rank < 0 || rank >= world_size)
    throw Error("--rank " + std::to_string(rank) + " is outside 0.." + std::to_string(world_size - 1) +
                " (--world-size " + std::to_string(world_size) + ")");
  if (world_size > 1 && rendezvous.rfind("tcp://", 0) != 0 && rendezvous.rfind("file://", 0) != 0)
    throw Error("--rendezvous must be tcp://HOST:PORT or file://PATH, got '" + rendezvous + "'");
  if (!(timeout_s > 0)) throw Error("--dist-timeout must be > 0 seconds");
}

std::shared_ptr<Collective> connect(const DistOptions& o) {
  o.validate();
  // A peer that dies mid-send must be an error on this rank, not a silent SIGPIPE exit.
  std::signal(SIGPIPE, SIG_IGN);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  c10::intrusive_ptr<c10d::Store> store;
  std::string host = "127.0.0.1";
  const bool tcp = o.rendezvous.rfind("tcp://", 0) == 0;
  try {
    if (tcp) {
      const std::string addr = o.rendezvous.substr(6);
      const auto colon = addr.rfind(':');
      int64_t port = 0;
      if (colon == std::string::npos || !parse_int64(addr.substr(colon + 1), port) || port <= 0 || port > 65535)
        throw Error("--rendezvous " + o.rendezvous + ": expected tcp://HOST:PORT");
      host = addr.substr(0, colon);
      c10d::TCPStoreOptions so;
      so.port = static_cast<uint16_t>(port);
      so.isServer = o.rank == 0;
      so.numWorkers = static_cast<size_t>(o.world_size);
      so.waitWorkers = false;  // bcemb checks who joined itself, with a message naming the rank
      so.timeout = timeout;
      store = c10::make_intrusive<c10d::TCPStore>(host, so);
    } else {
      store = c10::make_intrusive<c10d::FileStore>(o.rendezvous.substr(7), o.world_size);
    }
    store->setTimeout(timeout);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(o.rank) + ": cannot reach the rendezvous " + o.rendezvous + ": " +
                first_line(e));
  }
  // Before Gloo's own rendezvous (which could only time out): each rank
  // number once, and one world size.
  const std::string r = std::to_string(o.rank);
  int64_t joined = 0;
  try {
    joined = store->add("bcemb/rank/" + r, 1);
  } catch (const std::exception& e) {
    throw Error("rank " + r + ": the rendezvous " + o.rendezvous + " failed: " + first_line(e));
  }
  if (joined > 1)
    throw Error("rank " + r + " joined the rendezvous " + o.rendezvous + " twice" +
                (tcp ? "" : " (or its file is left from an earlier job: remove it)"));
  try {
    if (const auto d = differs_from_rank0(*store, "bcemb/world/", o.rank, o.world_size, std::to_string(o.world_size)))
      throw Error("ranks disagree on the world size: rank " + std::to_string(d->rank) + " has --world-size " +
                  d->theirs + ", rank 0 has " + d->first);
  } catch (const SilentRank& e) {
    throw Error("rank " + std::to_string(e.rank) + " did not join the rendezvous " + o.rendezvous + " within " +
                std::to_string(static_cast<int>(o.timeout_s)) + " s (--dist-timeout)");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("rank " + r + ": the rendezvous " + o.rendezvous + " failed: " + first_line(e));
  }
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (!tcp || is_loopback(host))
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 1;
  try {
    auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, o.rank, o.world_size, options);
    return std::make_shared<GlooCollective>(store, pg, o, tcp);
  } catch (const std::exception& e) {
    throw Error("rank " + r + ": connecting to the other ranks failed: " + first_line(e));
  }
}

}  // namespace bcemb::dist
