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

}  // namespace

bool render_plot(const LinePlot& plot, const std::string& stem, std::string* why) {
  std::ostringstream dat;
  for (const auto& s : plot.series) {
    dat << "# " << s.name << "\n";
    for (size_t i = 0; i < s.x.size(); ++i)
      if (!std::isnan(s.y[i])) dat << s.x[i] << " " << s.y[i] << "\n";
    dat << "\n\n";
  }
  write_file_atomic(stem + ".dat", dat.str());
  std::ostringstream gp;
  gp << "set title " << quoted(plot.title) << "\n"
     << "set xlabel " << quoted(plot.xlabel) << "\n"
     << "set ylabel " << quoted(plot.ylabel) << "\n"
     << "set key outside right\nset grid\nset xtics 1\n";
  std::string plot_cmd = "plot ";
  for (size_t i = 0; i < plot.series.size(); ++i) {
    if (i) plot_cmd += ", ";
    plot_cmd += quoted(stem + ".dat") + " index " + std::to_string(i) + " with linespoints lw 2 title " +
                quoted(plot.series[i].name);
  }
  // noenhanced: labels are literal ("Recall@50" and "_" are markup in gnuplot's enhanced text).
  gp << "set terminal pngcairo noenhanced size 1000,600\nset output " << quoted(stem + ".png") << "\n" << plot_cmd
     << "\n"
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

}  // namespace bcemb
