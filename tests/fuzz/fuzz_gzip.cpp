// The line reader on arbitrary (mostly gzip) bytes: every line, then EOF or a
// damage Error.
#include <string_view>

#include "bcemb/io/line_reader.h"
#include "bcemb/util/error.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bcemb::fuzz::write("in.gz", {reinterpret_cast<const char*>(data), size});
  try {
    bcemb::LineReader in(path);
    std::string_view line;
    size_t total = 0;
    while (in.next(line)) total += line.size();
    if (total > (size_t{1} << 30)) __builtin_trap();  // a line count or length gone wrong
  } catch (const bcemb::Error&) {
  }
  return 0;
}
