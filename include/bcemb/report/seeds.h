#pragma once
// Results over several training seeds: every figure as the mean and the
// sample standard deviation over seeds, so a difference can be told from
// seed noise (tables print "mean ± std", plots draw error bars).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bcemb {

struct MeanStd {
  double mean = 0, std = 0;
  int n = 0;  // values that were numbers (NaN and null are left out)
};

MeanStd mean_std(const std::vector<double>& values);  // std over n - 1; 0 for a single value
// "-2.9 ± 1.2" ("-2.9" for a single value; "nan" for none).
std::string fmt_mean_std(const MeanStd& m, int decimals, bool sign);

// Strategy records of each seed (arrays of objects with a "strategy" name),
// matched by name in the first seed's order. For each JSON pointer in `fields`
// (e.g. "/intended_degradation_pct", "/tasks/edge-rating/mean_auc"), a number
// becomes {"mean", "std", "n", "per_seed"} and an array of numbers the same
// element-wise, keyed by the pointer without its leading '/'. A strategy
// missing from a seed is an Error.
nlohmann::json aggregate_seeds(const std::vector<nlohmann::json>& per_seed, const std::vector<std::string>& fields);
MeanStd mean_std_of(const nlohmann::json& aggregated_field);  // back from {"mean", "std", "n"}
// "/" + key escaped for a JSON pointer ('~' -> "~0", '/' -> "~1").
std::string pointer_step(const std::string& key);

}  // namespace bcemb
