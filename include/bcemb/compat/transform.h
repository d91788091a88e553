#pragma once
// Backward transform B_k as a torch module: z_{k-1} ~ B_k z_k, stored as a
// d_{k-1} x d_k matrix. Identity and truncation are fixed; linear is learned.
#include <torch/torch.h>

#include "bcemb/compat/strategy.h"
#include "bcemb/io/npy.h"

namespace bcemb {

class BackwardTransformImpl : public torch::nn::Module {
 public:
  BackwardTransformImpl(TransformKind kind, int64_t out_dim, int64_t in_dim);
  torch::Tensor forward(const torch::Tensor& z);  // rows: n x in_dim -> n x out_dim
  bool learnable() const { return kind_ == TransformKind::Linear; }
  TransformKind kind() const { return kind_; }
  const torch::Tensor& weight() const { return weight_; }
  Matrix to_matrix() const;

 private:
  TransformKind kind_;
  torch::Tensor weight_;
};
TORCH_MODULE(BackwardTransform);

Matrix to_matrix(const torch::Tensor& t);        // 2-D float tensor -> Matrix (copy)
torch::Tensor to_tensor(const Matrix& m);        // Matrix -> 2-D float tensor (copy)

}  // namespace bcemb
