// The registry's readers on a damaged catalog and HEAD: catalog.sqlite and
// HEAD bytes split at "\n@@\n"; then open, list, chain and verify.
#include <filesystem>

#include "bcemb/registry/registry.h"
#include "bcemb/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto p = bcemb::fuzz::parts(data, size, 2);
  const std::string dir = bcemb::fuzz::scratch() + "/reg";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/objects");
  bcemb::fuzz::write("reg/catalog.sqlite", p[0]);
  bcemb::fuzz::write("reg/HEAD", p[1]);
  try {
    const bcemb::Registry r(dir);
    r.list();
    r.latest();
    r.chain();
    r.verify();
  } catch (const bcemb::Error&) {
  }
  return 0;
}
