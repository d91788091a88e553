// The .npy reader: header parsing, shape and payload checks.
#include <string>

#include "bcemb/io/npy.h"
#include "bcemb/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const bcemb::NpyArray a = bcemb::parse_npy(bytes, "fuzz.npy");
    if (static_cast<size_t>(a.numel()) * (a.dtype == "<f4" ? 4 : 8) != a.data.size()) __builtin_trap();
  } catch (const bcemb::Error&) {
  }
  try {
    bcemb::read_matrix_npy(bcemb::fuzz::write("m.npy", bytes));
  } catch (const bcemb::Error&) {
  }
  return 0;
}
