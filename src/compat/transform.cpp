#include "bcemb/compat/transform.h"

#include <cstring>

#include "bcemb/util/error.h"

namespace bcemb {

BackwardTransformImpl::BackwardTransformImpl(TransformKind kind, int64_t out_dim, int64_t in_dim) : kind_(kind) {
  if (kind == TransformKind::Linear) {
    // torch.nn.Linear's default initialisation, as the reference.
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_dim));
    weight_ = register_parameter("weight", torch::empty({out_dim, in_dim}).uniform_(-bound, bound));
  } else {
    if (kind == TransformKind::Identity && out_dim != in_dim)
      throw Error("identity transform needs equal dimensions, got " + std::to_string(out_dim) + " and " +
                  std::to_string(in_dim));
    if (out_dim > in_dim)
      throw Error("truncation cannot map dimension " + std::to_string(in_dim) + " up to " + std::to_string(out_dim) +
                  " (a newer version must not be narrower without a linear transform)");
    weight_ = register_buffer("weight", torch::eye(out_dim, in_dim));
  }
}

torch::Tensor BackwardTransformImpl::forward(const torch::Tensor& z) {
  if (z.size(1) != weight_.size(1))
    throw Error("transform expects " + std::to_string(weight_.size(1)) + " columns, got " + std::to_string(z.size(1)));
  if (kind_ == TransformKind::Linear) return torch::mm(z, weight_.t());
  return z.narrow(1, 0, weight_.size(0));
}

Matrix BackwardTransformImpl::to_matrix() const { return bcemb::to_matrix(weight_); }

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
