#include "bcemb/report/plot.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "bcemb/io/atomic_file.h"

namespace bcemb {

namespace {

std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Writes the script around `plot_cmd` for both terminals and runs gnuplot.
bool run_gnuplot(const std::string& header, const std::string& plot_cmd, const std::string& stem, std::string* why) {
  std::ostringstream gp;
  // noenhanced: labels are literal ("Recall@50" and "_" are markup in gnuplot's enhanced text).
  gp << header << "set terminal pngcairo noenhanced size 1000,600\nset output " << quoted(stem + ".png") << "\n"
     << plot_cmd << "\n"
     << "set terminal svg noenhanced size 1000,600 dynamic\nset output " << quoted(stem + ".svg") << "\n" << plot_cmd
     << "\n"
     << "unset output\n";
  write_file_atomic(stem + ".gp", gp.str());
  const int rc = std::system(("gnuplot " + shell_quoted(stem + ".gp") + " 2>/dev/null").c_str());
  if (rc != 0) {
    if (why != nullptr) *why = "gnuplot failed or is not installed (exit " + std::to_string(rc) + "); " + stem + ".gp kept";
    return false;
  }
  return true;
}

std::string labels(const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  return "set title " + quoted(title) + "\nset xlabel " + quoted(xlabel) + "\nset ylabel " + quoted(ylabel) +
         "\nset key outside right\nset grid\n";
}

}  // namespace

bool render_plot(const LinePlot& plot, const std::string& stem, std::string* why) {
  std::ostringstream dat;
  for (const auto& s : plot.series) {
    dat << "# " << s.name << "\n";
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (std::isnan(s.y[i])) continue;
      dat << s.x[i] << " " << s.y[i];
      if (!s.err.empty()) dat << " " << (std::isnan(s.err[i]) ? 0.0 : s.err[i]);
      dat << "\n";
    }
    dat << "\n\n";
  }
  write_file_atomic(stem + ".dat", dat.str());
  std::string plot_cmd = "plot ";
  for (size_t i = 0; i < plot.series.size(); ++i) {
    if (i) plot_cmd += ", ";
    plot_cmd += quoted(stem + ".dat") + " index " + std::to_string(i) +
                (plot.series[i].err.empty() ? " with linespoints" : " with yerrorlines") + " lw 2 title " +
                quoted(plot.series[i].name);
  }
  return run_gnuplot(labels(plot.title, plot.xlabel, plot.ylabel) + "set xtics 1\n", plot_cmd, stem, why);
}

bool render_plot(const ScatterPlot& plot, const std::string& stem, std::string* why) {
  std::ostringstream dat;
  for (const auto& p : plot.points)
    dat << p.x << " " << p.y << " " << p.xerr << " " << p.yerr << " " << quoted(p.label) << "\n";
  write_file_atomic(stem + ".dat", dat.str());
  const std::string plot_cmd = "plot " + quoted(stem + ".dat") + " using 1:2:3:4 with xyerrorbars pt 7 title " +
                               quoted("mean +- std over seeds") + ", " + quoted(stem + ".dat") +
                               " using 1:2:5 with labels offset 1,0.7 left notitle";
  return run_gnuplot(labels(plot.title, plot.xlabel, plot.ylabel), plot_cmd, stem, why);
}

}  // namespace bcemb
