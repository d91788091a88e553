#pragma once
// Closed-form backward maps for embeddings trained outside bcemb.
#include <string>
#include <vector>

#include "bcemb/io/npy.h"

namespace bcemb::impl {

struct ExternalFit {
  Matrix b;  // d_prev x d_new: z_prev ~ B z_new
  double alignment_error = 0;  // mean L2 distance of B z_new to z_prev over the rows
  double relative_error = 0;   // alignment_error / mean norm of z_prev
};

// x_rows: new embeddings (d_new floats each), y_rows: previous ones (d_prev),
// row-matched. lstsq: least squares; procrustes: the best rotation (d_new == d_prev).
ExternalFit fit_backward(const std::vector<const float*>& x_rows, const std::vector<const float*>& y_rows,
                         int64_t d_new, int64_t d_prev, const std::string& method);

}  // namespace bcemb::impl
