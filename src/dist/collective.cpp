#include "bcemb/dist/collective.h"

namespace bcemb::dist {

namespace {
std::shared_ptr<Collective>& slot() {
  static std::shared_ptr<Collective> c;
  return c;
}
}  // namespace

Collective* current() { return slot().get(); }

void set_current(std::shared_ptr<Collective> c) { slot() = std::move(c); }

bool g_private_outputs = false;

bool is_writer() { return current() == nullptr || current()->rank() == 0; }

void set_private_outputs(bool on) { g_private_outputs = on; }

bool writes_files() { return is_writer() || g_private_outputs; }

std::pair<int64_t, int64_t> share(int64_t n, const Collective* c) {
  if (c == nullptr) return {0, n};
  const int64_t r = c->rank(), w = c->world_size();
  return {n * r / w, n * (r + 1) / w};
}

}  // namespace bcemb::dist
