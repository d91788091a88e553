// MovieLens 100K: u.data (user item rating time, TAB), u.item ('|', ISO-8859-1:
// id|title|release date|video date|url|19 genre flags), u.user (id|age|gender|occupation|zip).
#include <filesystem>

#include "bcemb/data/loaders.h"
#include "bcemb/io/line_reader.h"
#include "bcemb/util/error.h"

namespace bcemb {

namespace {

std::vector<std::string> genre_names(const std::string& folder) {
  std::vector<std::string> names = {"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                                    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                                    "Romance", "Sci-Fi", "Thriller", "War", "Western"};
  const std::string path = folder + "/u.genre";
  if (!std::filesystem::exists(path)) return names;
  LineReader in(path);
  std::string line;
  while (in.next(line)) {
    if (line.empty()) continue;
    const auto f = split_fields(line, '|', false);
    int64_t id;
    if (f.size() == 2 && parse_int64(f[1], id) && id >= 0 && id < static_cast<int64_t>(names.size())) names[id] = f[0];
  }
  return names;
}

}  // namespace

Dataset load_movielens(const std::string& folder, BadLines& bad) {
  DatasetBuilder b;
  const std::string data = folder + "/u.data";
  {
    LineReader in(data);
    std::string line;
    static const char* names[] = {"user", "item", "rating", "time"};
    while (in.next(line)) {
      if (line.empty()) continue;
      const auto f = split_fields(line, '\t', false);
      const int64_t ln = in.line_number();
      if (f.size() != 4) {
        bad.bad(data, ln, "", "expected 4 TAB-separated fields (user item rating time), found " + std::to_string(f.size()));
        continue;
      }
      if (f[0].empty() || f[1].empty()) {
        bad.bad(data, ln, f[0].empty() ? names[0] : names[1], "empty id");
        continue;
      }
      float rating;
      int64_t t;
      if (!parse_float(f[2], rating)) {
        bad.bad(data, ln, "rating", "not a number", f[2]);
        continue;
      }
      if (!parse_int64(f[3], t)) {
        bad.bad(data, ln, "time", "not a unix time", f[3]);
        continue;
      }
      b.add_interaction(f[0], f[1], rating, t);
    }
  }
  const std::string item_path = folder + "/u.item";
  if (std::filesystem::exists(item_path)) {
    const auto genres = genre_names(folder);
    LineReader in(item_path);
    std::string line;
    while (in.next(line)) {
      if (line.empty()) continue;
      const auto f = split_fields(line, '|', false);
      const int64_t ln = in.line_number();
      if (f.size() != 5 + genres.size()) {
        bad.bad(item_path, ln, "", "expected " + std::to_string(5 + genres.size()) + " '|'-separated fields, found " +
                                        std::to_string(f.size()));
        continue;
      }
      if (f[0].empty()) {
        bad.bad(item_path, ln, "movie id", "empty id");
        continue;
      }
      for (size_t g = 0; g < genres.size(); ++g) {
        const std::string& flag = f[5 + g];
        if (flag != "0" && flag != "1") {
          bad.bad(item_path, ln, "genre " + genres[g], "expected 0 or 1", flag);
          break;
        }
        if (flag == "1") b.add_item_attribute(f[0], "genre", genres[g]);
      }
      // release date "01-Jan-1995": the year is its last 4 characters
      if (f[2].size() >= 4) b.add_item_attribute(f[0], "year", f[2].substr(f[2].size() - 4));
    }
  }
  const std::string user_path = folder + "/u.user";
  if (std::filesystem::exists(user_path)) {
    LineReader in(user_path);
    std::string line;
    while (in.next(line)) {
      if (line.empty()) continue;
      const auto f = split_fields(line, '|', false);
      const int64_t ln = in.line_number();
      if (f.size() != 5) {
        bad.bad(user_path, ln, "", "expected 5 '|'-separated fields (id|age|gender|occupation|zip), found " +
                                        std::to_string(f.size()));
        continue;
      }
      int64_t age;
      if (!parse_int64(f[1], age)) {
        bad.bad(user_path, ln, "age", "not an integer", f[1]);
        continue;
      }
      b.add_user_attribute(f[0], "age", std::to_string(age));
      b.add_user_attribute(f[0], "gender", f[2]);
      b.add_user_attribute(f[0], "occupation", f[3]);
    }
  }
  b.set_numeric("year");
  b.set_numeric("age");
  return b.build("movielens:" + folder, {});
}

}  // namespace bcemb
