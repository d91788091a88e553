#pragma once
// JSON has no NaN: an undefined number in a results file (a standard error of
// one value, the spread of rows that do not vary) is written as null.
#include <cmath>
#include <nlohmann/json.hpp>

namespace bcemb {

inline nlohmann::json json_number(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

}  // namespace bcemb
