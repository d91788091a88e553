#include "bcemb/report/pareto.h"

#include <cmath>

namespace bcemb {

std::vector<bool> pareto_front(const std::vector<std::pair<double, double>>& points) {
  std::vector<bool> front(points.size(), true);
  for (size_t i = 0; i < points.size(); ++i)
    for (size_t j = 0; j < points.size() && front[i]; ++j) {
      const auto& [xi, yi] = points[i];
      const auto& [xj, yj] = points[j];
      if (std::isnan(xi) || std::isnan(yi) || (xj >= xi && yj >= yi && (xj > xi || yj > yi))) front[i] = false;
    }
  return front;
}

}  // namespace bcemb
