#include "bcemb/compat/transform.h"

#include <cstring>

#include "bcemb/compat/closed_form.h"
#include "bcemb/util/error.h"

namespace bcemb {

BackwardTransformImpl::BackwardTransformImpl(TransformKind kind, int64_t out_dim, int64_t in_dim, bool gauge)
    : kind_(kind), out_dim_(out_dim), in_dim_(in_dim) {
  if (kind == TransformKind::Identity && out_dim != in_dim)
    throw Error("identity transform needs equal dimensions, got " + std::to_string(out_dim) + " and " +
                std::to_string(in_dim));
  if (kind != TransformKind::Linear && out_dim > in_dim)
    throw Error("a " + std::string(kind == TransformKind::Orthogonal ? "orthogonal" : "truncating") +
                " transform cannot map dimension " + std::to_string(in_dim) + " up to " + std::to_string(out_dim) +
                " (a newer version must not be narrower without a linear transform)");
  if (kind == TransformKind::Linear) {
    // torch.nn.Linear's default initialisation, as the reference.
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_dim));
    weight_ = register_parameter("weight", torch::empty({out_dim, in_dim}).uniform_(-bound, bound));
  } else if (kind == TransformKind::Orthogonal) {
    weight_ = register_parameter("weight", torch::eye(out_dim));  // the old coordinates first
  } else {
    weight_ = register_buffer("weight", torch::eye(out_dim, in_dim));
  }
  if (gauge) {
    if (!learnable()) throw Error("a gauge is learned with B_k: it needs a linear or orthogonal transform");
    // G = exp(A), A from zero: invertible whatever the steps do (exp(A)^-1 =
    // exp(-A)). A plain G learned by Adam at the transform's rate went
    // near-singular within an epoch of a joint fit, and its inverse's
    // gradients wrecked the model.
    log_gauge_ = register_parameter("log_gauge", torch::zeros({in_dim, in_dim}));
  }
}

torch::Tensor BackwardTransformImpl::gauge() const {
  if (!has_gauge()) return {};
  torch::NoGradGuard no_grad;
  return torch::linalg::matrix_exp(log_gauge_);
}

namespace {

// The first `users` rows of z times g, the others times g_inv_t (= G^-T).
torch::Tensor gauge_rows(const torch::Tensor& z, int64_t users, const torch::Tensor& g, const torch::Tensor& g_inv_t) {
  if (users < 0 || users > z.size(0))
    throw Error("gauge: " + std::to_string(users) + " user rows of " + std::to_string(z.size(0)));
  return torch::cat({torch::mm(z.narrow(0, 0, users), g), torch::mm(z.narrow(0, users, z.size(0) - users), g_inv_t)});
}

}  // namespace

torch::Tensor BackwardTransformImpl::reparametrise(const torch::Tensor& z, int64_t users) {
  if (z.size(1) != in_dim_)
    throw Error("transform expects " + std::to_string(in_dim_) + " columns, got " + std::to_string(z.size(1)));
  if (!has_gauge()) return z;
  return gauge_rows(z, users, torch::linalg::matrix_exp(log_gauge_), torch::linalg::matrix_exp(-log_gauge_).t());
}

torch::Tensor apply_gauge(const torch::Tensor& z, const torch::Tensor& g, int64_t users) {
  if (!g.defined()) return z;
  return gauge_rows(z, users, g, torch::linalg::inv(g).t());
}

torch::Tensor BackwardTransformImpl::forward(const torch::Tensor& z) {
  if (z.size(1) != in_dim_)
    throw Error("transform expects " + std::to_string(in_dim_) + " columns, got " + std::to_string(z.size(1)));
  if (kind_ == TransformKind::Linear) return torch::mm(z, weight_.t());
  if (kind_ == TransformKind::Orthogonal) return torch::mm(z.narrow(1, 0, out_dim_), weight_.t());
  return z.narrow(1, 0, out_dim_);
}

void BackwardTransformImpl::project() {
  if (kind_ != TransformKind::Orthogonal) return;
  torch::NoGradGuard no_grad;
  const auto [u, s, vh] = torch::linalg::svd(weight_.to(torch::kDouble), false, c10::nullopt);
  weight_.copy_(torch::mm(u, vh).to(weight_.scalar_type()));
}

void BackwardTransformImpl::refit(const torch::Tensor& z, const torch::Tensor& z_prev) {
  if (!learnable()) return;
  const torch::Tensor x = z.detach().to(torch::kFloat).contiguous(), y = z_prev.detach().to(torch::kFloat).contiguous();
  std::vector<const float*> xr, yr;
  for (int64_t r = 0; r < x.size(0); ++r) {
    xr.push_back(x.data_ptr<float>() + r * x.size(1));
    yr.push_back(y.data_ptr<float>() + r * y.size(1));
  }
  const bool ortho = kind_ == TransformKind::Orthogonal;
  const ClosedFormFit fit = fit_backward(xr, yr, ortho ? out_dim_ : in_dim_, out_dim_, ortho ? "procrustes" : "lstsq");
  torch::NoGradGuard no_grad;
  weight_.copy_(to_tensor(fit.b));
}

Matrix BackwardTransformImpl::to_matrix() const {
  if (kind_ != TransformKind::Orthogonal) return bcemb::to_matrix(weight_);
  const Matrix r = bcemb::to_matrix(weight_);
  Matrix m(out_dim_, in_dim_);
  for (int64_t i = 0; i < out_dim_; ++i)
    for (int64_t j = 0; j < out_dim_; ++j) m.at(i, j) = r.at(i, j);
  return m;
}

Matrix to_matrix(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat).contiguous();
  if (c.dim() != 2) throw Error("expected a 2-D tensor");
  Matrix m(c.size(0), c.size(1));
  std::memcpy(m.data.data(), c.data_ptr<float>(), m.data.size() * sizeof(float));
  return m;
}

torch::Tensor to_tensor(const Matrix& m) {
  auto t = torch::empty({m.rows, m.cols});
  std::memcpy(t.data_ptr<float>(), m.data.data(), m.data.size() * sizeof(float));
  return t;
}

}  // namespace bcemb
