#pragma once
// Closed-form backward maps: for embeddings trained outside bcemb (registry
// publish-external) and for the training loop's refit of B_k.
#include <string>
#include <vector>

#include "bcemb/io/npy.h"

namespace bcemb {

struct ClosedFormFit {
  Matrix b;  // d_prev x d_new: z_prev ~ B z_new
  double alignment_error = 0;  // mean L2 distance of B z_new to z_prev over the rows
  double relative_error = 0;   // alignment_error / mean norm of z_prev
};

// x_rows: new embeddings (the first d_new floats of each), y_rows: previous
// ones (d_prev), row-matched. lstsq: least squares; procrustes: the best
// rotation (d_new == d_prev).
ClosedFormFit fit_backward(const std::vector<const float*>& x_rows, const std::vector<const float*>& y_rows,
                         int64_t d_new, int64_t d_prev, const std::string& method);

}  // namespace bcemb
