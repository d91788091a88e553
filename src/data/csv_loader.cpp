// Generic delimited interactions; columns chosen by name (from a header line
// or given by position). The interaction loop parses fields as views of the
// line buffer: no allocation per field or per known id.
#include <algorithm>
#include <filesystem>

#include "bcemb/data/loaders.h"
#include "bcemb/io/line_reader.h"
#include "bcemb/util/error.h"

namespace bcemb {

namespace {

// The requested delimiter; else the extension's (.tsv/.tab/.txt: TAB, else
// comma) unless the first line has none of it but has another common one
// (a comma-separated .txt, as CiaoDVD's).
char delimiter_for(const std::string& path, char requested) {
  if (requested != 0) return requested;
  std::string p = path;
  if (p.size() > 3 && p.compare(p.size() - 3, 3, ".gz") == 0) p.resize(p.size() - 3);
  const std::string ext = std::filesystem::path(p).extension().string();
  const char by_extension = ext == ".tsv" || ext == ".tab" || ext == ".txt" ? '\t' : ',';
  LineReader in(path);
  std::string_view first;
  while (in.next(first) && first.empty()) {
  }
  if (first.find(by_extension) != std::string_view::npos) return by_extension;
  char best = by_extension;
  size_t most = 0;
  for (const char c : {',', '\t', ';', '|'}) {
    const auto n = static_cast<size_t>(std::count(first.begin(), first.end(), c));
    if (n > most) {
      most = n;
      best = c;
    }
  }
  return best;
}

struct Header {
  std::vector<std::string> names;
  int find(const std::string& name) const {
    auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
  }
};

Header read_header(LineReader& in, char delim) {
  std::string line;
  if (!in.next(line)) throw InputError(in.path(), 1, "", "empty file, expected a header line");
  Header h{split_fields(line, delim, true)};
  for (auto& n : h.names) {
    if (!n.empty() && static_cast<unsigned char>(n[0]) == 0xEF && n.size() >= 3) n = n.substr(3);  // UTF-8 BOM
  }
  return h;
}

// The interactions file's column names: its header, or --columns (which also
// replaces a header's names).
Header interaction_columns(LineReader& in, const CsvOptions& o, char delim) {
  if (!o.header && o.columns.empty())
    throw Error(in.path() + ": --no-header needs the column names (--columns user,item,rating,time, in file order)");
  Header h;
  if (o.header) h = read_header(in, delim);
  if (!o.columns.empty()) {
    if (o.header && h.names.size() != o.columns.size())
      throw InputError(in.path(), 1, "", "--columns names " + std::to_string(o.columns.size()) +
                                             " columns, the header has " + std::to_string(h.names.size()));
    h.names = o.columns;
  }
  return h;
}

int require_column(const Header& h, const std::string& name, const std::string& path, const std::string& flag) {
  const int c = h.find(name);
  if (c < 0) {
    std::string have;
    for (const auto& n : h.names) have += (have.empty() ? "" : ", ") + n;
    throw InputError(path, 1, name, "no such column (have: " + have + "); choose it with " + flag);
  }
  return c;
}

void add_multi_values(DatasetBuilder& b, std::string_view item, const std::string& kind, std::string_view cell,
                      char sep) {
  size_t start = 0;
  while (start <= cell.size()) {
    size_t end = cell.find(sep, start);
    if (end == std::string_view::npos) end = cell.size();
    if (end > start) b.add_item_attribute(item, kind, cell.substr(start, end - start));
    start = end + 1;
  }
}

void load_item_attributes(DatasetBuilder& b, const CsvOptions& o, BadLines& bad) {
  const std::string& path = o.item_attr_path;
  const char delim = delimiter_for(path, o.delimiter);
  LineReader in(path);
  const Header h = read_header(in, delim);
  // The item column is named as in the interactions file, or plainly "item".
  const int item_c = h.find(o.item_col) >= 0 ? h.find(o.item_col) : require_column(h, "item", path, "--item-col");
  const int kind_c = h.find("kind"), value_c = h.find("value");
  const bool long_form = kind_c >= 0 && value_c >= 0 && o.attr_columns.empty();
  std::vector<std::pair<int, std::string>> wide;
  if (!long_form) {
    if (o.attr_columns.empty()) {
      for (size_t c = 0; c < h.names.size(); ++c)
        if (static_cast<int>(c) != item_c) wide.emplace_back(static_cast<int>(c), h.names[c]);
    } else {
      for (const auto& name : o.attr_columns) wide.emplace_back(require_column(h, name, path, "--attr-columns"), name);
    }
  }
  std::string_view line;
  std::vector<std::string_view> f;
  std::string scratch;
  while (in.next(line)) {
    if (line.empty()) continue;
    split_fields(line, delim, true, f, scratch);
    if (f.size() != h.names.size()) {
      bad.bad(path, in.line_number(), "", "expected " + std::to_string(h.names.size()) + " fields, found " +
                                              std::to_string(f.size()));
      continue;
    }
    if (f[item_c].empty()) {
      bad.bad(path, in.line_number(), h.names[item_c], "empty id");
      continue;
    }
    if (long_form) {
      if (f[kind_c].empty()) {
        bad.bad(path, in.line_number(), "kind", "empty attribute kind");
        continue;
      }
      if (!f[value_c].empty()) b.add_item_attribute(f[item_c], std::string(f[kind_c]), f[value_c]);
    } else {
      for (const auto& [c, name] : wide) add_multi_values(b, f[item_c], name, f[c], o.value_separator);
    }
  }
}

}  // namespace

Dataset load_csv(const std::string& path, const CsvOptions& o, BadLines& bad) {
  const char delim = delimiter_for(path, o.delimiter);
  LineReader in(path);
  const Header h = interaction_columns(in, o, delim);
  const int user_c = require_column(h, o.user_col, path, "--user-col");
  const int item_c = require_column(h, o.item_col, path, "--item-col");
  const int time_c = require_column(h, o.time_col, path, "--time-col");
  const int rating_c = h.find(o.rating_col);
  std::vector<std::pair<int, std::string>> attr_cols;
  for (const auto& name : o.attr_columns) {
    const int c = h.find(name);
    if (c >= 0) attr_cols.emplace_back(c, name);
  }
  DatasetBuilder b;
  std::string_view line;
  std::vector<std::string_view> f;
  std::string scratch;
  const size_t n_cols = h.names.size();
  while (in.next(line)) {
    if (line.empty()) continue;
    const int64_t ln = in.line_number();
    split_fields(line, delim, true, f, scratch);
    if (f.size() != n_cols) {
      bad.bad(path, ln, "", "expected " + std::to_string(n_cols) + " fields, found " + std::to_string(f.size()));
      continue;
    }
    if (f[user_c].empty()) {
      bad.bad(path, ln, h.names[user_c], "empty id");
      continue;
    }
    if (f[item_c].empty()) {
      bad.bad(path, ln, h.names[item_c], "empty id");
      continue;
    }
    float rating = 1.0f;
    if (rating_c >= 0 && !parse_float(f[rating_c], rating)) {
      bad.bad(path, ln, o.rating_col, "not a number", std::string(f[rating_c]));
      continue;
    }
    int64_t t;
    if (!parse_time(f[time_c], t)) {
      bad.bad(path, ln, o.time_col, "not a unix time or ISO-8601 date", std::string(f[time_c]));
      continue;
    }
    b.add_interaction(f[user_c], f[item_c], rating, t);
    for (const auto& [c, name] : attr_cols) add_multi_values(b, f[item_c], name, f[c], o.value_separator);
  }
  if (!o.item_attr_path.empty()) load_item_attributes(b, o, bad);
  for (const auto& kind : o.numeric_attrs) b.set_numeric(kind);
  return b.build("csv:" + path, {});
}

}  // namespace bcemb
