#include "bcemb/report/intended.h"

#include <cmath>
#include <limits>

#include "bcemb/io/json_number.h"
#include "bcemb/util/error.h"

namespace bcemb {

double recall_change_pct(double recall, double nobc_recall) { return (recall - nobc_recall) / nobc_recall * 100.0; }

std::vector<IntendedRow> intended_comparison(const std::vector<StrategyResult>& results, int k) {
  const StrategyResult* nobc = nullptr;
  for (const auto& r : results)
    if (r.strategy == "no-bc") nobc = &r;
  std::vector<IntendedRow> rows;
  for (const auto& r : results) {
    IntendedRow row;
    row.strategy = r.strategy;
    const size_t n = r.versions.size();
    double deg = 0, align = 0;
    for (size_t v = 0; v < n; ++v) {
      const double rec = r.versions[v].fit.recall.at(k);
      row.recall.push_back(rec);
      row.alignment_error.push_back(r.versions[v].alignment_error);
      row.mean_recall += rec / static_cast<double>(n);
      if (v == 0) continue;
      align += r.versions[v].alignment_error;
      if (nobc != nullptr) {
        if (nobc->versions.size() != n) throw Error("no-bc and " + r.strategy + " have different version counts");
        const double base = nobc->versions[v].fit.recall.at(k);
        deg += recall_change_pct(rec, base);
      }
    }
    const double later = n > 1 ? static_cast<double>(n - 1) : std::numeric_limits<double>::quiet_NaN();
    row.degradation_pct = nobc != nullptr ? deg / later : std::numeric_limits<double>::quiet_NaN();
    row.mean_alignment_error = align / later;
    rows.push_back(std::move(row));
  }
  return rows;
}

Table intended_table(const std::vector<IntendedRow>& rows, int k) {
  Table t;
  t.header.push_back("strategy");
  const size_t n = rows.empty() ? 0 : rows[0].recall.size();
  for (size_t v = 0; v < n; ++v) t.header.push_back("R@" + std::to_string(k) + " v" + std::to_string(v));
  t.header.push_back("mean R@" + std::to_string(k));
  t.header.push_back("degradation vs no-bc (%)");
  t.header.push_back("alignment error");
  for (const auto& r : rows) {
    std::vector<std::string> cells{r.strategy};
    for (const double x : r.recall) cells.push_back(fmt(x));
    cells.push_back(fmt(r.mean_recall));
    cells.push_back(fmt_signed(r.degradation_pct));
    cells.push_back(fmt(r.mean_alignment_error, 3));
    t.rows.push_back(std::move(cells));
  }
  return t;
}

nlohmann::json intended_json(const std::vector<IntendedRow>& rows, int k) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rows)
    j.push_back({{"strategy", r.strategy},
                 {"k", k},
                 {"recall_per_version", r.recall},
                 {"mean_recall", r.mean_recall},
                 {"degradation_vs_nobc_pct", json_number(r.degradation_pct)},
                 {"alignment_error_per_version", r.alignment_error},
                 {"mean_alignment_error", json_number(r.mean_alignment_error)}});
  return j;
}

}  // namespace bcemb
