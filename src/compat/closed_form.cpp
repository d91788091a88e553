#include "bcemb/compat/closed_form.h"

#include <Eigen/Dense>
#include <Eigen/SVD>

#include "bcemb/util/error.h"

namespace bcemb {

ClosedFormFit fit_backward(const std::vector<const float*>& x_rows, const std::vector<const float*>& y_rows,
                         int64_t d_new, int64_t d_prev, const std::string& method) {
  const auto n = static_cast<Eigen::Index>(x_rows.size());
  if (n == 0) throw Error("no id of the new embeddings is in the previous version: nothing to align on");
  if (n < d_new)
    throw Error("only " + std::to_string(n) + " matched ids for a " + std::to_string(d_new) +
                "-dimensional map: the fit is underdetermined");
  Eigen::MatrixXd x(n, d_new), y(n, d_prev);
  for (Eigen::Index r = 0; r < n; ++r) {
    for (int64_t c = 0; c < d_new; ++c) x(r, c) = x_rows[r][c];
    for (int64_t c = 0; c < d_prev; ++c) y(r, c) = y_rows[r][c];
  }
  Eigen::MatrixXd w;  // d_new x d_prev: x w ~ y
  if (method == "procrustes") {
    if (d_new != d_prev)
      throw Error("procrustes needs equal dimensions (new " + std::to_string(d_new) + ", previous " +
                  std::to_string(d_prev) + "); use --fit lstsq");
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(x.transpose() * y, Eigen::ComputeFullU | Eigen::ComputeFullV);
    w = svd.matrixU() * svd.matrixV().transpose();
  } else if (method == "lstsq") {
    w = x.bdcSvd(Eigen::ComputeThinU | Eigen::ComputeThinV).solve(y);
  } else {
    throw Error("unknown fit '" + method + "' (lstsq or procrustes)");
  }
  ClosedFormFit f;
  f.b = Matrix(d_prev, d_new);
  for (int64_t i = 0; i < d_prev; ++i)
    for (int64_t j = 0; j < d_new; ++j) f.b.at(i, j) = static_cast<float>(w(j, i));
  const Eigen::MatrixXd residual = x * w - y;
  double dist = 0, norm = 0;
  for (Eigen::Index r = 0; r < n; ++r) {
    dist += residual.row(r).norm();
    norm += y.row(r).norm();
  }
  f.alignment_error = dist / static_cast<double>(n);
  f.relative_error = norm > 0 ? dist / norm : 0.0;
  return f;
}

}  // namespace bcemb
