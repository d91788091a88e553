#include "bcemb/report/seeds.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bcemb/report/pareto.h"
#include "bcemb/util/error.h"

namespace bcemb {
namespace {

TEST(Seeds, MeanAndSampleStdSkippingMissingValues) {
  const MeanStd m = mean_std({1.0, 2.0, 6.0, NAN});
  EXPECT_EQ(m.n, 3);
  EXPECT_DOUBLE_EQ(m.mean, 3.0);
  EXPECT_DOUBLE_EQ(m.std, std::sqrt(7.0));  // ((4 + 1 + 9) / 2)
  EXPECT_EQ(fmt_mean_std(m, 1, true), "+3.0 ± 2.6");
  EXPECT_EQ(fmt_mean_std(mean_std({-2.5}), 1, true), "-2.5");  // one seed: no spread to show
  EXPECT_EQ(fmt_mean_std(mean_std({}), 1, true), "nan");
}

TEST(Seeds, AggregatesStrategiesByNameNumbersAndArrays) {
  const auto seed0 = nlohmann::json::parse(R"([
    {"strategy": "no-bc", "deg": 0.0, "recall": [0.2, 0.3], "tasks": {"a/b": {"auc": 0.7}}},
    {"strategy": "bc", "deg": -4.0, "recall": [0.2, 0.25], "tasks": {"a/b": {"auc": 0.8}}}])");
  const auto seed1 = nlohmann::json::parse(R"([
    {"strategy": "bc", "deg": -2.0, "recall": [0.2, 0.35], "tasks": {"a/b": {"auc": null}}},
    {"strategy": "no-bc", "deg": 0.0, "recall": [0.2, 0.3], "tasks": {"a/b": {"auc": 0.9}}}])");
  const std::string task = "/tasks" + pointer_step("a/b") + "/auc";
  EXPECT_EQ(task, "/tasks/a~1b/auc");
  const auto agg = aggregate_seeds({seed0, seed1}, {"/deg", "/recall", task});
  ASSERT_EQ(agg.size(), 2u);
  EXPECT_EQ(agg[1].at("strategy"), "bc");  // the first seed's order
  const MeanStd deg = mean_std_of(agg[1].at("deg"));
  EXPECT_DOUBLE_EQ(deg.mean, -3.0);
  EXPECT_DOUBLE_EQ(deg.std, std::sqrt(2.0));
  EXPECT_EQ(agg[1].at("deg").at("per_seed"), nlohmann::json::parse("[-4.0, -2.0]"));
  EXPECT_DOUBLE_EQ(agg[1].at("recall").at("mean")[1].get<double>(), 0.3);
  EXPECT_NEAR(agg[1].at("recall").at("std")[1].get<double>(), std::sqrt(0.005), 1e-12);
  const MeanStd auc = mean_std_of(agg[1].at(task.substr(1)));
  EXPECT_EQ(auc.n, 1);  // the null of seed 1 is left out
  EXPECT_DOUBLE_EQ(auc.mean, 0.8);
  EXPECT_THROW(aggregate_seeds({seed0, nlohmann::json::parse(R"([{"strategy": "bc", "deg": 1}])")}, {"/deg"}), Error);
}

TEST(Pareto, KeepsThePointsNothingBeats) {
  const auto front = pareto_front({{-1, -5}, {-3, -1}, {-2, -2}, {-3, -3}, {-1, -5}, {NAN, 0}, {-4, -1}});
  EXPECT_EQ(front, (std::vector<bool>{true, true, true, false, true, false, false}));
}

}  // namespace
}  // namespace bcemb
