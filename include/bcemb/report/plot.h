#pragma once
// Line plots rendered by gnuplot (Debian's gnuplot-nox): PNG (pngcairo) and SVG.
#include <string>
#include <vector>

namespace bcemb {

struct Series {
  std::string name;
  std::vector<double> x, y;  // NaN y values are left out
  std::vector<double> err;   // optional: error bars (e.g. std over seeds), same length as y
};

struct LinePlot {
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
};

// Labelled points with error bars in x and y (e.g. a Pareto front).
struct ScatterPoint {
  std::string label;
  double x = 0, y = 0, xerr = 0, yerr = 0;
};
struct ScatterPlot {
  std::string title, xlabel, ylabel;
  std::vector<ScatterPoint> points;
};

// Write <stem>.dat and <stem>.gp, then <stem>.png and <stem>.svg. Return
// false with a reason when gnuplot is missing or fails (data and script stay).
bool render_plot(const LinePlot& plot, const std::string& stem, std::string* why);
bool render_plot(const ScatterPlot& plot, const std::string& stem, std::string* why);

}  // namespace bcemb
