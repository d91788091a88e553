#include <sstream>

#include "bcemb/data/loaders.h"
#include "bcemb/io/line_reader.h"
#include "bcemb/util/error.h"

namespace bcemb {

std::string LoadReport::summary() const {
  std::ostringstream ss;
  ss << "skipped " << skipped << " bad line(s)";
  for (const auto& [why, n] : reasons) ss << "\n  " << n << " x " << why;
  for (const auto& e : examples) ss << "\n  e.g. " << e;
  return ss.str();
}

void BadLines::bad(const std::string& file, int64_t line, const std::string& field, const std::string& reason,
                   const std::string& value) {
  const std::string message = value.empty() ? reason : reason + ": '" + value + "'";
  if (!skip_) throw InputError(file, line, field, message);
  if (report_ == nullptr) return;
  ++report_->skipped;
  ++report_->reasons[field.empty() ? reason : field + ": " + reason];
  if (report_->examples.size() < 5) report_->examples.push_back(location(file, line, field) + ": " + message);
}

Dataset load_dataset(const LoadOptions& options, LoadReport* report) {
  LoadReport local;
  LoadReport* rep = report != nullptr ? report : &local;
  BadLines bad(options.skip_bad_lines, rep);
  if (options.format == "synthetic") return generate_synthetic(options.synthetic);
  if (options.path.empty()) throw Error("--path is required for --format " + options.format);
  try {
    if (options.format == "movielens") return load_movielens(options.path, bad);
    if (options.format == "amazon") return load_amazon(options.path, bad, rep);
    if (options.format == "csv") return load_csv(options.path, options.csv, bad);
  } catch (const InputError& e) {
    check_compressed_stream(e.file());  // a damaged gzip stream, not the line, is then the cause
    throw;
  }
  throw Error("unknown --format '" + options.format + "' (expected amazon, movielens, csv or synthetic)");
}

}  // namespace bcemb
