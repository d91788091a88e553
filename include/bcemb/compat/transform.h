#pragma once
// Backward transform B_k as a torch module: z_{k-1} ~ B_k z_k, stored as a
// d_{k-1} x d_k matrix. Identity and truncation are fixed; linear is
// learned; orthogonal is [R 0] with R orthogonal (d_{k-1} x d_{k-1}): it maps
// the first d_{k-1} coordinates by a rotation and ignores the rest, which stay
// free for the task (BT^2, ICCV 2023). R is learned and projected back onto
// the orthogonal matrices after every optimiser step.
//
// With a gauge (strategy option `gauge`) the module also holds G_k
// (d_k x d_k, G_k = exp(A_k) with A_k from zero), learned with B_k: version k's table is the
// model's output reparametrised per node type, users z G_k and items
// z G_k^-T. Every user-item score z_u G G^-1 z_i^T is unchanged, so the
// intended task is exactly the model's, while B_k, applied to that table,
// acts on users as G_k B_k^T and on items as G_k^-T B_k^T: two maps where
// one was, still one matrix per version for the consumers' chain.
#include <torch/torch.h>

#include "bcemb/compat/strategy.h"
#include "bcemb/io/npy.h"

namespace bcemb {

class BackwardTransformImpl : public torch::nn::Module {
 public:
  BackwardTransformImpl(TransformKind kind, int64_t out_dim, int64_t in_dim, bool gauge = false);
  torch::Tensor forward(const torch::Tensor& z);  // rows: n x in_dim -> n x out_dim
  // The table's rows from the model's: the first `users` rows times G, the
  // rest times G^-T (identity without a gauge).
  torch::Tensor reparametrise(const torch::Tensor& z, int64_t users);
  bool has_gauge() const { return log_gauge_.defined(); }
  torch::Tensor gauge() const;  // G_k, d_k x d_k: a new tensor without gradient; undefined without a gauge
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
  torch::Tensor log_gauge_;  // A with G = exp(A), in x in, or undefined
};

// A table's rows reparametrised by a gauge G (undefined: z itself): the
// first `users` rows times G, the others times G^-T.
torch::Tensor apply_gauge(const torch::Tensor& z, const torch::Tensor& g, int64_t users);
TORCH_MODULE(BackwardTransform);

Matrix to_matrix(const torch::Tensor& t);        // 2-D float tensor -> Matrix (copy)
torch::Tensor to_tensor(const Matrix& m);        // Matrix -> 2-D float tensor (copy)

}  // namespace bcemb
