#pragma once
// Sparse x dense products with autograd, on CsrMatrix pairs (see graph/csr.h).
#include <torch/torch.h>

#include "bcemb/graph/csr.h"

namespace bcemb {

// out = A x  (A: rows x cols sparse, x: cols x d dense). Gradient flows to x.
// The tensor keeps `a` alive until autograd no longer needs it.
torch::Tensor spmm(const SparsePairPtr& a, const torch::Tensor& x);

// A x + B y with one output buffer and one backward node.
torch::Tensor spmm_sum(const SparsePairPtr& a, const torch::Tensor& x, const SparsePairPtr& b, const torch::Tensor& y);

// [x[:n] | B x] (n = B's rows; B's columns = x's rows): a GNN layer's own
// rows beside its neighbours' aggregate, for one GEMM with [W_self W_neigh].
torch::Tensor self_and_neighbors(const torch::Tensor& x, const SparsePairPtr& block);

// Rows [begin, end) of A x, no autograd (inference in chunks of rows).
torch::Tensor spmm_rows(const CsrMatrix& a, int64_t begin, int64_t end, const torch::Tensor& x);

}  // namespace bcemb
