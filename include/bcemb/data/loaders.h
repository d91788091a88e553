#pragma once
// Loaders for the supported input formats, selected by name:
//   amazon     Amazon Review Data 2018 (<Category>_5.json[.gz] + meta_<Category>.json[.gz])
//   movielens  a MovieLens 100K folder (u.data, u.item, u.user)
//   csv        generic delimited interactions (+ optional item attributes)
//   synthetic  the embedded generator (see synthetic.h)
// Bad input raises InputError naming file, line and field, unless
// skip_bad_lines is set: then the line is skipped and counted in LoadReport.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bcemb/data/dataset.h"
#include "bcemb/data/synthetic.h"

namespace bcemb {

struct CsvOptions {
  std::string user_col = "user";
  std::string item_col = "item";
  std::string rating_col = "rating";  // optional column: absent -> rating 1 (implicit feedback)
  std::string time_col = "time";      // unix seconds or ISO-8601
  char delimiter = 0;                 // 0: from the extension (.tsv/.tab -> tab, else comma)
  // The interactions file: a header line names its columns, unless header is
  // false (the first line is data); `columns` names them by position instead
  // of (or replacing) the header. Required when header is false.
  bool header = true;
  std::vector<std::string> columns;
  // Item attributes: a file either in long form (columns item, kind, value)
  // or in wide form (an item column plus attribute columns).
  std::string item_attr_path;
  // Columns holding multi-valued attributes (e.g. "genres"), in the attribute
  // file (wide form) or in the interactions file itself.
  std::vector<std::string> attr_columns;
  char value_separator = '|';
  // Attribute columns holding quantities (a year): consumer tasks threshold
  // them at the median. All other attributes are categories.
  std::vector<std::string> numeric_attrs;
};

struct LoadOptions {
  std::string format = "synthetic";
  std::string path;
  bool skip_bad_lines = false;
  CsvOptions csv;
  SyntheticConfig synthetic;
  // Item attribute kinds kept even when identifier-like (see below).
  std::vector<std::string> keep_attrs;
};

struct LoadReport {
  int64_t skipped = 0;
  std::map<std::string, int64_t> reasons;  // reason -> count
  std::vector<std::string> examples;       // first few full messages
  std::vector<std::string> notes;          // filtering performed (e.g. Amazon meta filter)
  std::vector<std::string> excluded_attributes;  // identifier-like item attribute kinds left out
  std::string summary() const;
};

// Item attribute kinds whose values are nearly unique per item (at least 50
// values, at least 90% as many as the items carrying one, e.g. a title): an
// identifier, not a feature. Every item that arrives later has a value never
// seen in training, so the GNN treats it as cold. load_dataset leaves them out
// unless named in LoadOptions::keep_attrs, and says so in the report.
std::vector<std::string> identifier_like_attributes(const Dataset& ds);

// Routes bad lines: throw (default) or count and skip.
class BadLines {
 public:
  explicit BadLines(bool skip, LoadReport* report) : skip_(skip), report_(report) {}
  // Throws InputError unless skipping; returns normally when the line is to be skipped.
  // reason: the kind of problem (counted); value: the offending text, if any.
  void bad(const std::string& file, int64_t line, const std::string& field, const std::string& reason,
           const std::string& value = "");

 private:
  bool skip_;
  LoadReport* report_;
};

Dataset load_dataset(const LoadOptions& options, LoadReport* report = nullptr);

Dataset load_movielens(const std::string& folder, BadLines& bad);
Dataset load_amazon(const std::string& path, BadLines& bad, LoadReport* report);
Dataset load_csv(const std::string& path, const CsvOptions& options, BadLines& bad);

// Field parsers shared by the loaders (surrounding blanks allowed); return
// false on malformed input.
bool parse_int64(std::string_view s, int64_t& out);
bool parse_float(std::string_view s, float& out);  // finite values only
// Unix seconds, or ISO-8601 date / date-time (YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH:MM]).
bool parse_time(std::string_view s, int64_t& out);
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace bcemb
