#pragma once
// Alignment error of the paper's comparison: mean over nodes of the L2
// distance between two embeddings of the same nodes (e.g. a strategy's
// version-0-compatible embedding at version k and fix-m0's at version k).
#include <cstdint>

#include "bcemb/io/npy.h"

namespace bcemb {

double mean_row_distance(const float* a, const float* b, int64_t rows, int64_t cols);
double mean_row_distance(const Matrix& a, const Matrix& b);  // throws Error on a shape mismatch

// The alignment of rows [begin, end) (one node type: users, or items) of a
// against the reference ref. mean_distance: as mean_row_distance. relative:
// the root mean squared distance over the reference rows' root mean squared
// spread around their mean, so node types of different scales compare (on
// CiaoDVD the items spread a third as much as the users, and a good fit left
// them 3 times the users' relative error). 0 for no rows; NaN when the
// reference rows do not vary.
struct RowAlignment {
  double mean_distance = 0;
  double relative = 0;
};
RowAlignment row_alignment(const Matrix& a, const Matrix& ref, int64_t begin, int64_t end);

}  // namespace bcemb
