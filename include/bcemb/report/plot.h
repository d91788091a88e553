#pragma once
// Line plots rendered by gnuplot (Debian's gnuplot-nox): PNG (pngcairo) and SVG.
#include <string>
#include <vector>

namespace bcemb {

struct Series {
  std::string name;
  std::vector<double> x, y;  // NaN y values are left out
};

struct LinePlot {
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
};

// Writes <stem>.dat and <stem>.gp, then <stem>.png and <stem>.svg. Returns
// false with a reason when gnuplot is missing or fails (data and script stay).
bool render_plot(const LinePlot& plot, const std::string& stem, std::string* why);

}  // namespace bcemb
