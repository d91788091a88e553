#pragma once
// Alignment error of the paper's comparison: mean over nodes of the L2
// distance between two embeddings of the same nodes (e.g. a strategy's
// version-0-compatible embedding at version k and fix-m0's at version k).
#include <cstdint>

#include "bcemb/io/npy.h"

namespace bcemb {

double mean_row_distance(const float* a, const float* b, int64_t rows, int64_t cols);
double mean_row_distance(const Matrix& a, const Matrix& b);  // throws Error on a shape mismatch

}  // namespace bcemb
