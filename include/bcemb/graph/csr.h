#pragma once
// Compressed sparse rows with float weights; the one sparse format of bcemb
// (mean-aggregation adjacency, item attribute bags, sampled blocks).
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace bcemb {

struct CsrMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<float> values;
  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
  CsrMatrix transposed() const;  // counting sort, O(nnz + cols)
};

// a @ b for sparse a (n x m) and b (m x p); Gustavson's row-by-row product.
CsrMatrix multiply(const CsrMatrix& a, const CsrMatrix& b);

// A matrix and its transpose: forward product and its gradient. The
// transpose is built when a gradient first needs it (thread-safe): products
// into few columns never do (see model/sparse_ops.h).
class SparsePair {
 public:
  explicit SparsePair(CsrMatrix m) : fwd(std::move(m)) {}
  const CsrMatrix fwd;
  const CsrMatrix& bwd() const {
    std::call_once(once_, [this] { bwd_ = fwd.transposed(); });
    return bwd_;
  }

 private:
  mutable std::once_flag once_;
  mutable CsrMatrix bwd_;
};
using SparsePairPtr = std::shared_ptr<const SparsePair>;

}  // namespace bcemb
