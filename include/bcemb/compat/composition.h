#pragma once
// Composition of backward transforms. B_k (d_{k-1} x d_k) maps version k's
// embeddings to version k-1's space: z_{k-1} ~ B_k z_k (column vectors; for
// row-major tables Z_{k-1} ~ Z_k B_k^T). Version j <= k is served from the
// latest embeddings as z~_j = B_{j+1} ... B_k z_k. Linear chains collapse to
// one d_j x d_k matrix, computed once and cached, so a transform to any
// version costs one matrix multiply whatever k - j is.
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "bcemb/io/npy.h"

namespace bcemb {

class TransformChain {
 public:
  // dim0 = dimension of version 0.
  explicit TransformChain(int64_t dim0);
  // Appends B_k for k = versions(); its column count becomes version k's dim.
  void push(Matrix b);
  int versions() const { return static_cast<int>(dims_.size()); }  // versions 0..versions()-1
  int64_t dim(int version) const;
  const Matrix& step(int k) const;  // B_k, k >= 1
  // B_{to+1} ... B_from as a dim(to) x dim(from) matrix (identity if equal). Thread-safe, cached.
  const Matrix& composed(int from, int to) const;
  // Rows of z (n x dim(from)) mapped to version `to`: n x dim(to).
  Matrix apply(const Matrix& z, int from, int to) const;
  // Step by step (for checking the cache): B_{to+1}(...B_from(z)).
  Matrix apply_chain(const Matrix& z, int from, int to) const;
  void check(int from, int to) const;  // throws Error on a bad request

 private:
  std::vector<int64_t> dims_;
  std::vector<Matrix> steps_;  // steps_[k-1] = B_k
  struct Cache {
    std::mutex mu;
    std::map<std::pair<int, int>, Matrix> products;
  };
  // Shared by copies; replaced whenever a step is added.
  std::shared_ptr<Cache> cache_ = std::make_shared<Cache>();
};

Matrix matmul(const Matrix& a, const Matrix& b);            // a @ b
Matrix matmul_bt(const Matrix& a, const Matrix& b);         // a @ b^T
Matrix identity_matrix(int64_t n);
Matrix truncation_matrix(int64_t rows, int64_t cols);       // [I 0]

}  // namespace bcemb
