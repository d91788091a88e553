#pragma once
// glibc maps every allocation of 32 MiB and more on its own and unmaps it
// when it is freed (M_MMAP_THRESHOLD goes no higher), so a large tensor made
// anew, as a big graph's tensors over all nodes are every epoch, pays a page
// fault per 4 KiB page. At 10M interactions that was 0.14 s per 88 MB tensor
// and most of the historical refresh. This allocator keeps freed large blocks
// and hands them out again.
#include <c10/core/Allocator.h>

#include <cstddef>
#include <memory>

namespace bcemb {

// A CPU allocator for libtorch: blocks of kMinBlock bytes and more (rounded
// up to whole 2 MiB pages) are kept when freed, up to `capacity` bytes with
// the oldest given back first, and reused for a request of at most their size
// and at least 4/5 of it; smaller ones are libtorch's default allocator's.
class TensorBlockCache final : public c10::Allocator {
 public:
  static constexpr size_t kMinBlock = size_t{32} << 20;
  explicit TensorBlockCache(size_t capacity);
  ~TensorBlockCache() override;  // gives the kept blocks back; those in use go back when freed
  TensorBlockCache(const TensorBlockCache&) = delete;
  TensorBlockCache& operator=(const TensorBlockCache&) = delete;

  c10::DataPtr allocate(size_t bytes) const override;
  c10::DeleterFnPtr raw_deleter() const override;
  size_t cached_bytes() const;  // kept for reuse, not in use

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// Makes one process-wide cache of `capacity` bytes libtorch's CPU allocator.
// Call early in main(), before tensors are made; later calls do nothing.
void install_tensor_block_cache(size_t capacity = size_t{1} << 30);

}  // namespace bcemb
