// The Amazon 2018 loader: reviews and meta JSON lines, split at "\n@@\n".
#include "bcemb/data/loaders.h"
#include "bcemb/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto p = bcemb::fuzz::parts(data, size, 2);
  bcemb::fuzz::write("Fuzz_5.json", p[0]);
  bcemb::fuzz::write("meta_Fuzz.json", p[1]);
  bcemb::LoadOptions o;
  o.format = "amazon";
  o.path = bcemb::fuzz::scratch() + "/Fuzz_5.json";
  o.skip_bad_lines = size % 2;
  try {
    bcemb::load_dataset(o);
  } catch (const bcemb::Error&) {
  }
  return 0;
}
