// The CSV/TSV loader with its options: the first byte picks them, the rest
// is the interactions file (then --cuts slicing of what loaded).
#include "bcemb/data/loaders.h"
#include "bcemb/util/error.h"
#include "bcemb/versions/time_slices.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t opt = data[0];
  bcemb::LoadOptions o;
  o.format = "csv";
  o.path = bcemb::fuzz::write(opt & 1 ? "in.tsv" : "in.csv", {reinterpret_cast<const char*>(data + 1), size - 1});
  o.skip_bad_lines = opt & 2;
  o.csv.header = !(opt & 4);
  if (!o.csv.header || (opt & 8)) o.csv.columns = {"user", "item", "rating", "time", "genres"};
  if (opt & 16) o.csv.attr_columns = {"genres"};
  if (opt & 32) o.csv.delimiter = "\t,;|"[opt >> 6];
  try {
    const bcemb::Dataset ds = bcemb::load_dataset(o);
    bcemb::make_versions(ds, bcemb::SliceSpec{});
  } catch (const bcemb::Error&) {
  }
  return 0;
}
