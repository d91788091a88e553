#pragma once
// Joining a data-parallel job: a c10d store for the rendezvous (TCPStore for
// tcp://HOST:PORT, rank 0 hosting it; FileStore for file://PATH on one
// machine) and a Gloo process group over it.
#include <memory>
#include <string>

#include "bcemb/dist/collective.h"

namespace bcemb::dist {

struct DistOptions {
  int world_size = 1;
  int rank = 0;
  std::string rendezvous;  // tcp://HOST:PORT or file://PATH
  double timeout_s = 60;   // a rank silent this long is reported lost
  void validate() const;   // throws Error naming the flag
};

// Connects to the other ranks and checks that they agree on the world size
// and that no rank number is taken twice; throws Error otherwise (or when a
// rank does not join within the timeout).
std::shared_ptr<Collective> connect(const DistOptions& options);

}  // namespace bcemb::dist
