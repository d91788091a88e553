// Amazon Review Data 2018 with the paper's preprocessing:
//  - reviews (<Category>_5.json[.gz]) are kept only if their item has meta;
//  - meta (meta_<Category>.json[.gz]) duplicates are read once (first wins);
//  - brand and category values are kept only if >= 5 items carry them;
//  - category strings containing "</span>" (HTML residue) are dropped.
// Decision: an empty brand string is not a brand and is ignored.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "bcemb/data/loaders.h"
#include "bcemb/io/line_reader.h"
#include "bcemb/util/error.h"

namespace bcemb {

namespace {

namespace fs = std::filesystem;

struct AmazonFiles {
  std::string reviews, meta;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// `path` is the folder holding both files, or the reviews file itself.
AmazonFiles find_files(const std::string& path) {
  AmazonFiles f;
  if (fs::is_regular_file(path)) {
    f.reviews = path;
    const fs::path p(path);
    std::string name = p.filename().string();
    const auto pos = name.find("_5.json");
    if (pos == std::string::npos) throw Error(path + ": expected a file named <Category>_5.json[.gz]");
    const std::string category = name.substr(0, pos);
    for (const char* ext : {".json.gz", ".json"}) {
      const auto m = p.parent_path() / ("meta_" + category + ext);
      if (fs::exists(m)) f.meta = m.string();
    }
    if (f.meta.empty()) throw Error(path + ": no meta_" + category + ".json[.gz] beside it");
    return f;
  }
  if (!fs::is_directory(path)) throw Error("cannot open " + path + ": no such file or folder");
  for (const auto& e : fs::directory_iterator(path)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("meta_", 0) == 0 && (ends_with(name, ".json") || ends_with(name, ".json.gz"))) f.meta = e.path().string();
    else if (ends_with(name, "_5.json") || ends_with(name, "_5.json.gz")) f.reviews = e.path().string();
  }
  if (f.reviews.empty()) throw Error(path + ": no <Category>_5.json[.gz] reviews file in this folder");
  if (f.meta.empty()) throw Error(path + ": no meta_<Category>.json[.gz] file in this folder");
  return f;
}

const nlohmann::json* field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

// "MM D, YYYY" -> unix seconds at midnight UTC.
bool parse_review_time(const std::string& s, int64_t& out) {
  int m, d, y;
  if (std::sscanf(s.c_str(), "%d %d, %d", &m, &d, &y) != 3 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  out = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400;
  return true;
}

}  // namespace

Dataset load_amazon(const std::string& path, BadLines& bad, LoadReport* report) {
  const AmazonFiles files = find_files(path);
  DatasetBuilder b;

  // Meta first: which asins have meta, and their brand/categories.
  std::unordered_set<std::string> with_meta;
  std::unordered_map<std::string, std::pair<std::string, std::vector<std::string>>> meta;
  int64_t duplicate_meta = 0;
  {
    LineReader in(files.meta);
    std::string line;
    while (in.next(line)) {
      if (line.empty()) continue;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {  // syntax, and numbers out of range
        bad.bad(files.meta, in.line_number(), "", std::string("broken JSON: ") + e.what());
        continue;
      }
      const auto* asin = field(j, "asin");
      if (asin == nullptr || !asin->is_string() || asin->get<std::string>().empty()) {
        bad.bad(files.meta, in.line_number(), "asin", "missing or empty");
        continue;
      }
      const std::string id = asin->get<std::string>();
      if (!with_meta.insert(id).second) {
        ++duplicate_meta;
        continue;
      }
      std::string brand;
      if (const auto* br = field(j, "brand"); br != nullptr && br->is_string()) brand = br->get<std::string>();
      std::vector<std::string> cats;
      if (const auto* c = field(j, "category"); c != nullptr && c->is_array()) {
        for (const auto& v : *c)
          if (v.is_string() && v.get<std::string>().find("</span>") == std::string::npos) cats.push_back(v.get<std::string>());
      }
      meta.emplace(id, std::make_pair(std::move(brand), std::move(cats)));
    }
  }

  int64_t reviews_total = 0, reviews_without_meta = 0;
  {
    LineReader in(files.reviews);
    std::string line;
    while (in.next(line)) {
      if (line.empty()) continue;
      const int64_t ln = in.line_number();
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {  // syntax, and numbers out of range
        bad.bad(files.reviews, ln, "", std::string("broken JSON: ") + e.what());
        continue;
      }
      const auto* user = field(j, "reviewerID");
      const auto* asin = field(j, "asin");
      const auto* overall = field(j, "overall");
      if (user == nullptr || !user->is_string() || user->get<std::string>().empty()) {
        bad.bad(files.reviews, ln, "reviewerID", "missing or empty");
        continue;
      }
      if (asin == nullptr || !asin->is_string() || asin->get<std::string>().empty()) {
        bad.bad(files.reviews, ln, "asin", "missing or empty");
        continue;
      }
      if (overall == nullptr || !overall->is_number()) {
        bad.bad(files.reviews, ln, "overall", "missing or not a number");
        continue;
      }
      int64_t t = 0;
      if (const auto* ut = field(j, "unixReviewTime"); ut != nullptr && ut->is_number_integer()) {
        t = ut->get<int64_t>();
      } else if (const auto* rt = field(j, "reviewTime"); rt != nullptr && rt->is_string() &&
                                                           parse_review_time(rt->get<std::string>(), t)) {
      } else {
        bad.bad(files.reviews, ln, "unixReviewTime", "missing, and reviewTime is not 'MM D, YYYY'");
        continue;
      }
      ++reviews_total;
      const std::string item = asin->get<std::string>();
      if (with_meta.count(item) == 0) {
        ++reviews_without_meta;
        continue;
      }
      b.add_interaction(user->get<std::string>(), item, overall->get<float>(), t);
    }
  }
  for (const auto& [asin, m] : meta) {
    if (!m.first.empty()) b.add_item_attribute(asin, "brand", m.first);
    for (const auto& c : m.second) b.add_item_attribute(asin, "category", c);
  }
  if (report != nullptr) {
    report->notes.push_back("amazon: " + std::to_string(reviews_total) + " reviews read, " +
                            std::to_string(reviews_without_meta) + " dropped (item without meta), " +
                            std::to_string(duplicate_meta) + " duplicate meta lines ignored");
  }
  DatasetBuilder::Options opt;
  opt.min_value_count = 5;
  return b.build("amazon:" + files.reviews, opt);
}

}  // namespace bcemb
