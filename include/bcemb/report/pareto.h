#pragma once
// The Pareto front of a trade-off (bcemb sweep).
#include <utility>
#include <vector>

namespace bcemb {

// Of points to maximise in both coordinates, those that no other point beats
// in one coordinate without losing in the other (NaN points never are).
std::vector<bool> pareto_front(const std::vector<std::pair<double, double>>& points);

}  // namespace bcemb
