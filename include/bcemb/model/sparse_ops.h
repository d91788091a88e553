#pragma once
// Sparse x dense products with autograd, on CsrMatrix pairs (see graph/csr.h).
#include <torch/torch.h>

#include "bcemb/graph/csr.h"

namespace bcemb {

// out = A x  (A: rows x cols sparse, x: cols x d dense). Gradient flows to x.
// The tensor keeps `a` alive until autograd no longer needs it.
torch::Tensor spmm(const SparsePairPtr& a, const torch::Tensor& x);

// The first n rows of x. Unlike narrow(), the backward pass zero-fills only
// the rows after n, not a whole copy of x.
torch::Tensor prefix_rows(const torch::Tensor& x, int64_t n);

}  // namespace bcemb
