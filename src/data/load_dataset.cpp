#include <algorithm>
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

std::vector<std::string> identifier_like_attributes(const Dataset& ds) {
  std::vector<std::string> out;
  for (const auto& a : ds.item_attributes) {
    int64_t with = 0;
    for (int32_t i = 0; i < ds.num_items(); ++i) with += a.count(i) > 0;
    const auto values = static_cast<int64_t>(a.values.size());
    if (values >= 50 && 10 * values >= 9 * with) out.push_back(a.kind);
  }
  return out;
}

namespace {

Dataset load_format(const LoadOptions& options, BadLines& bad, LoadReport* rep) {
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

}  // namespace

Dataset load_dataset(const LoadOptions& options, LoadReport* report) {
  LoadReport local;
  LoadReport* rep = report != nullptr ? report : &local;
  BadLines bad(options.skip_bad_lines, rep);
  Dataset ds = load_format(options, bad, rep);
  for (const auto& kept : options.keep_attrs)
    if (ds.item_attribute(kept) == nullptr)
      throw Error("--keep-attrs: the data has no item attribute '" + kept + "'");
  for (const auto& kind : identifier_like_attributes(ds)) {
    if (std::find(options.keep_attrs.begin(), options.keep_attrs.end(), kind) != options.keep_attrs.end()) continue;
    const ItemAttribute* a = ds.item_attribute(kind);
    rep->notes.push_back("item attribute '" + kind + "' left out: " + std::to_string(a->values.size()) +
                         " distinct values, nearly one per item (an identifier: every new item would be cold); "
                         "--keep-attrs " + kind + " keeps it");
    rep->excluded_attributes.push_back(kind);
    ds.item_attributes.erase(ds.item_attributes.begin() + (a - ds.item_attributes.data()));
  }
  return ds;
}

}  // namespace bcemb
