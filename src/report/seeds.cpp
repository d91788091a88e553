#include "bcemb/report/seeds.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "bcemb/io/json_number.h"
#include "bcemb/util/error.h"

namespace bcemb {

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd m;
  double sum = 0;
  for (const double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++m.n;
    }
  if (m.n == 0) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(), 0};
  m.mean = sum / m.n;
  double ss = 0;
  for (const double v : values)
    if (!std::isnan(v)) ss += (v - m.mean) * (v - m.mean);
  m.std = m.n > 1 ? std::sqrt(ss / (m.n - 1)) : 0.0;
  return m;
}

std::string fmt_mean_std(const MeanStd& m, int decimals, bool sign) {
  if (m.n == 0) return "nan";
  char buf[96];
  std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", decimals, m.mean);
  std::string s = buf;
  if (m.n > 1) {
    std::snprintf(buf, sizeof buf, " ± %.*f", decimals, m.std);
    s += buf;
  }
  return s;
}

namespace {

double number(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

nlohmann::json summary(const std::vector<double>& v) {
  const MeanStd m = mean_std(v);
  nlohmann::json per = nlohmann::json::array();
  for (const double x : v) per.push_back(json_number(x));
  return {{"mean", json_number(m.mean)}, {"std", json_number(m.std)}, {"n", m.n}, {"per_seed", per}};
}

}  // namespace

nlohmann::json aggregate_seeds(const std::vector<nlohmann::json>& per_seed, const std::vector<std::string>& fields) {
  if (per_seed.empty()) throw Error("no seeds to aggregate");
  nlohmann::json out = nlohmann::json::array();
  for (const auto& first : per_seed[0]) {
    const std::string name = first.at("strategy").get<std::string>();
    std::vector<const nlohmann::json*> rows;
    for (size_t s = 0; s < per_seed.size(); ++s) {
      const nlohmann::json* found = nullptr;
      for (const auto& r : per_seed[s])
        if (r.at("strategy") == name) found = &r;
      if (found == nullptr) throw Error("strategy " + name + " is missing from seed run " + std::to_string(s));
      rows.push_back(found);
    }
    nlohmann::json agg{{"strategy", name}};
    for (const auto& field : fields) {
      const nlohmann::json::json_pointer ptr(field);
      const nlohmann::json& v0 = first.contains(ptr) ? first.at(ptr) : nlohmann::json();
      const std::string key = field.substr(1);
      if (v0.is_array()) {
        nlohmann::json means = nlohmann::json::array(), stds = nlohmann::json::array();
        for (size_t i = 0; i < v0.size(); ++i) {
          std::vector<double> xs;
          for (const auto* r : rows) xs.push_back(r->contains(ptr) && i < r->at(ptr).size() ? number(r->at(ptr)[i]) : NAN);
          const MeanStd m = mean_std(xs);
          means.push_back(json_number(m.mean));
          stds.push_back(json_number(m.std));
        }
        agg[key] = {{"mean", means}, {"std", stds}, {"n", rows.size()}};
      } else {
        std::vector<double> xs;
        for (const auto* r : rows) xs.push_back(r->contains(ptr) ? number(r->at(ptr)) : NAN);
        agg[key] = summary(xs);
      }
    }
    out.push_back(agg);
  }
  return out;
}

std::string pointer_step(const std::string& key) {
  std::string out = "/";
  for (const char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

MeanStd mean_std_of(const nlohmann::json& f) {
  MeanStd m;
  m.n = f.value("n", 0);
  m.mean = number(f.value("mean", nlohmann::json()));
  m.std = number(f.value("std", nlohmann::json()));
  if (std::isnan(m.mean)) m.n = 0;
  return m;
}

}  // namespace bcemb
