#include "bcemb/eval/alignment_error.h"

#include <cmath>

#include "bcemb/util/error.h"

namespace bcemb {

double mean_row_distance(const float* a, const float* b, int64_t rows, int64_t cols) {
  if (rows == 0) return 0.0;
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) {
      const double d = static_cast<double>(a[r * cols + c]) - b[r * cols + c];
      s += d * d;
    }
    total += std::sqrt(s);
  }
  return total / static_cast<double>(rows);
}

double mean_row_distance(const Matrix& a, const Matrix& b) {
  if (a.rows != b.rows || a.cols != b.cols)
    throw Error("alignment error: shapes " + std::to_string(a.rows) + "x" + std::to_string(a.cols) + " and " +
                std::to_string(b.rows) + "x" + std::to_string(b.cols) + " differ");
  return mean_row_distance(a.data.data(), b.data.data(), a.rows, a.cols);
}

}  // namespace bcemb
