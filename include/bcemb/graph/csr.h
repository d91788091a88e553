#pragma once
// Compressed sparse rows with float weights; the one sparse format of bcemb
// (mean-aggregation adjacency, item attribute bags, sampled blocks).
#include <cstdint>
#include <memory>
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

// A matrix and its transpose: forward product and its gradient.
struct SparsePair {
  CsrMatrix fwd;
  CsrMatrix bwd;  // fwd transposed
  explicit SparsePair(CsrMatrix m) : fwd(std::move(m)), bwd(fwd.transposed()) {}
};
using SparsePairPtr = std::shared_ptr<const SparsePair>;

}  // namespace bcemb
