#include "bcemb/eval/alignment_error.h"

#include <cmath>
#include <limits>
#include <vector>

#include "bcemb/util/error.h"

namespace bcemb {

namespace {

void check_same_shape(const Matrix& a, const Matrix& b) {
  if (a.rows != b.rows || a.cols != b.cols)
    throw Error("alignment error: shapes " + std::to_string(a.rows) + "x" + std::to_string(a.cols) + " and " +
                std::to_string(b.rows) + "x" + std::to_string(b.cols) + " differ");
}

}  // namespace

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
  check_same_shape(a, b);
  return mean_row_distance(a.data.data(), b.data.data(), a.rows, a.cols);
}

RowAlignment row_alignment(const Matrix& a, const Matrix& ref, int64_t begin, int64_t end) {
  check_same_shape(a, ref);
  if (begin < 0 || end > a.rows || begin > end) throw Error("alignment error: rows outside the embeddings");
  RowAlignment out;
  const int64_t n = end - begin, d = a.cols;
  if (n == 0) return out;
  std::vector<double> mean(static_cast<size_t>(d), 0.0);
  double squared = 0;
  for (int64_t r = begin; r < end; ++r)
    for (int64_t c = 0; c < d; ++c) mean[static_cast<size_t>(c)] += ref.at(r, c);
  for (double& m : mean) m /= static_cast<double>(n);
  double spread = 0;
  for (int64_t r = begin; r < end; ++r) {
    double s = 0;
    for (int64_t c = 0; c < d; ++c) {
      const double diff = static_cast<double>(a.at(r, c)) - ref.at(r, c), dev = ref.at(r, c) - mean[static_cast<size_t>(c)];
      s += diff * diff;
      spread += dev * dev;
    }
    out.mean_distance += std::sqrt(s);
    squared += s;
  }
  out.mean_distance /= static_cast<double>(n);
  out.relative = spread > 0 ? std::sqrt(squared / spread) : std::numeric_limits<double>::quiet_NaN();
  return out;
}

}  // namespace bcemb
