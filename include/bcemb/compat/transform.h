#pragma once
// Backward transform B_k as a torch module: z_{k-1} ~ B_k z_k, stored as a
// d_{k-1} x d_k matrix. Identity and truncation are fixed; linear is
// learned; orthogonal is [R 0] with R orthogonal (d_{k-1} x d_{k-1}): it maps
// the first d_{k-1} coordinates by a rotation and ignores the rest, which stay
// free for the task (BT^2, ICCV 2023). R is learned and projected back onto
// the orthogonal matrices after every optimiser step.
#include <torch/torch.h>

#include "bcemb/compat/strategy.h"
#include "bcemb/io/npy.h"

namespace bcemb {

class BackwardTransformImpl : public torch::nn::Module {
 public:
  BackwardTransformImpl(TransformKind kind, int64_t out_dim, int64_t in_dim);
  torch::Tensor forward(const torch::Tensor& z);  // rows: n x in_dim -> n x out_dim
  bool learnable() const { return kind_ == TransformKind::Linear || kind_ == TransformKind::Orthogonal; }
  TransformKind kind() const { return kind_; }
  // After an optimiser step: the orthogonal kind returns to the nearest orthogonal R.
  void project();
  // The closed-form best map from rows z to rows z_prev (least squares, or
  // Procrustes on the first d_{k-1} coordinates for the orthogonal kind).
  void refit(const torch::Tensor& z, const torch::Tensor& z_prev);
  Matrix to_matrix() const;  // d_{k-1} x d_k

 private:
  TransformKind kind_;
  int64_t out_dim_, in_dim_;
  torch::Tensor weight_;  // linear: out x in; orthogonal: R, out x out; fixed kinds: out x in
};
TORCH_MODULE(BackwardTransform);

Matrix to_matrix(const torch::Tensor& t);        // 2-D float tensor -> Matrix (copy)
torch::Tensor to_tensor(const Matrix& m);        // Matrix -> 2-D float tensor (copy)

}  // namespace bcemb
