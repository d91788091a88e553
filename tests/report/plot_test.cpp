#include "bcemb/report/plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace bcemb {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Labels reach the picture literally: '@' and '_' are markup in gnuplot's enhanced text.
TEST(Plot, WritesPngAndSvgWithLiteralLabels) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
  test::TempDir dir;
  LinePlot plot{"Recall@50 per version", "version", "Recall@50",
                {{"joint_lin", {0, 1, 2}, {0.2, 0.25, 0.3}, {}}, {"no-bc", {0, 1, 2}, {0.2, std::nan(""), 0.35}, {}}}};
  std::string why;
  ASSERT_TRUE(render_plot(plot, dir / "recall", &why)) << why;
  EXPECT_GT(std::filesystem::file_size(dir / "recall.png"), 1000u);
  const std::string svg = slurp(dir / "recall.svg");
  EXPECT_NE(svg.find("Recall@50 per version"), std::string::npos);
  EXPECT_NE(svg.find("joint_lin"), std::string::npos);
  const std::string dat = slurp(dir / "recall.dat");
  EXPECT_EQ(dat.find("nan"), std::string::npos) << "NaN points must be left out";
}

TEST(Plot, ErrorBarsAndLabelledScatter) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
  test::TempDir dir;
  LinePlot lines{"spread", "version", "Recall@50", {{"bc", {0, 1}, {0.2, 0.3}, {0.01, 0.02}}}};
  std::string why;
  ASSERT_TRUE(render_plot(lines, dir / "lines", &why)) << why;
  EXPECT_NE(slurp(dir / "lines.gp").find("yerrorlines"), std::string::npos);
  EXPECT_NE(slurp(dir / "lines.dat").find("0.3 0.02"), std::string::npos);
  ScatterPlot pareto{"trade-off", "intended (%)", "unintended (%)",
                     {{"joint-lin-mloss@lambda=4", -1.5, -2.0, 0.3, 0.4}, {"no-bc", 0, -20, 0, 1}}};
  ASSERT_TRUE(render_plot(pareto, dir / "pareto", &why)) << why;
  EXPECT_GT(std::filesystem::file_size(dir / "pareto.png"), 1000u);
  EXPECT_NE(slurp(dir / "pareto.svg").find("joint-lin-mloss@lambda=4"), std::string::npos);
}

}  // namespace
}  // namespace bcemb
