// The MovieLens 100K loader: u.data, u.item, u.user split at "\n@@\n".
#include <filesystem>

#include "bcemb/data/loaders.h"
#include "bcemb/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto p = bcemb::fuzz::parts(data, size, 3);
  const std::string dir = bcemb::fuzz::scratch() + "/ml";
  std::filesystem::create_directories(dir);
  bcemb::fuzz::write("ml/u.data", p[0]);
  bcemb::fuzz::write("ml/u.item", p[1]);
  bcemb::fuzz::write("ml/u.user", p[2]);
  bcemb::LoadOptions o;
  o.format = "movielens";
  o.path = dir;
  o.skip_bad_lines = size % 2;
  try {
    bcemb::load_dataset(o);
  } catch (const bcemb::Error&) {
  }
  return 0;
}
