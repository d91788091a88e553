#pragma once
// The ranks of one data-parallel job, as the training code sees them. The
// implementation is c10d's ProcessGroupGloo (dist/process_group.h); this
// header stays free of torch and c10d so any file may include it.
//
// Like torch.distributed's default group, a process has at most one job: the
// CLI connects it (dist::set_current) before training, and the library asks
// dist::current(), which is null in an ordinary single-process run.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace at {
class Tensor;
}

namespace bcemb::dist {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // In place: every rank ends with the element-wise sum over ranks. A lost
  // rank or one that stops answering for the job's timeout throws Error
  // naming it, never hangs.
  virtual void allreduce_sum(at::Tensor& t) = 0;
  virtual void barrier() = 0;
  // Every rank must pass the same value (a data fingerprint, a config):
  // throws Error naming the rank that differs and both values.
  virtual void agree(const std::string& what, const std::string& value) = 0;
  // Benchmark figures: payload bytes given to allreduce_sum, how many calls,
  // and the wall-clock seconds this rank spent in them (waiting included).
  virtual uint64_t bytes_reduced() const = 0;
  virtual uint64_t allreduce_calls() const = 0;
  virtual double allreduce_seconds() const = 0;
};

Collective* current();  // null: a single process
void set_current(std::shared_ptr<Collective> c);
// Rank 0 (or a single process): the one that prints results and writes
// where the user asked.
bool is_writer();
// Ranks > 0 of commands that read their own outputs back (compare,
// experiment) write them to a private scratch folder: they call this, and
// the library then writes run directories on them too.
void set_private_outputs(bool on);
bool writes_files();  // is_writer() or private outputs
// A rank's contiguous share [begin, end) of n items (rank r of W gets
// [n*r/W, n*(r+1)/W)); all of [0, n) without a job.
std::pair<int64_t, int64_t> share(int64_t n, const Collective* c = current());

}  // namespace bcemb::dist
