#include "bcemb/compat/composition.h"

#include "bcemb/util/error.h"
#include "bcemb/util/gemm.h"

namespace bcemb {

Matrix matmul(const Matrix& a, const Matrix& b) {
  if (a.cols != b.rows)
    throw Error("matmul: shapes " + std::to_string(a.rows) + "x" + std::to_string(a.cols) + " and " +
                std::to_string(b.rows) + "x" + std::to_string(b.cols) + " do not fit");
  Matrix c(a.rows, b.cols);
  if (a.rows == 0 || b.cols == 0) return c;
  // Row-major C = A B is column-major C^T = B^T A^T.
  sgemm('N', 'N', static_cast<int>(b.cols), static_cast<int>(a.rows), static_cast<int>(a.cols), 1.0f, b.data.data(),
        static_cast<int>(b.cols), a.data.data(), static_cast<int>(a.cols), 0.0f, c.data.data(), static_cast<int>(c.cols));
  return c;
}

Matrix matmul_bt(const Matrix& a, const Matrix& b) {
  if (a.cols != b.cols)
    throw Error("dimension mismatch: embeddings have " + std::to_string(a.cols) + " columns, transform expects " +
                std::to_string(b.cols));
  Matrix c(a.rows, b.rows);
  if (a.rows == 0 || b.rows == 0) return c;
  // Row-major C = A B^T is column-major C^T = B A^T.
  sgemm('T', 'N', static_cast<int>(b.rows), static_cast<int>(a.rows), static_cast<int>(a.cols), 1.0f, b.data.data(),
        static_cast<int>(b.cols), a.data.data(), static_cast<int>(a.cols), 0.0f, c.data.data(), static_cast<int>(c.cols));
  return c;
}

Matrix identity_matrix(int64_t n) { return truncation_matrix(n, n); }

Matrix truncation_matrix(int64_t rows, int64_t cols) {
  if (rows > cols) throw Error("truncation needs rows <= cols");
  Matrix m(rows, cols);
  for (int64_t i = 0; i < rows; ++i) m.at(i, i) = 1.0f;
  return m;
}

TransformChain::TransformChain(int64_t dim0) : dims_{dim0} {}

void TransformChain::push(Matrix b) {
  const int k = versions();
  if (b.rows != dims_.back())
    throw Error("B_" + std::to_string(k) + " has " + std::to_string(b.rows) + " rows, version " + std::to_string(k - 1) +
                " has dimension " + std::to_string(dims_.back()));
  dims_.push_back(b.cols);
  steps_.push_back(std::move(b));
  cache_ = std::make_shared<Cache>();
}

int64_t TransformChain::dim(int version) const {
  if (version < 0 || version >= versions())
    throw Error("version " + std::to_string(version) + " does not exist (versions 0.." + std::to_string(versions() - 1) +
                ")");
  return dims_[static_cast<size_t>(version)];
}

const Matrix& TransformChain::step(int k) const {
  if (k < 1 || k >= versions()) throw Error("no transform B_" + std::to_string(k));
  return steps_[static_cast<size_t>(k - 1)];
}

void TransformChain::check(int from, int to) const {
  dim(from);
  dim(to);
  if (to > from)
    throw Error("cannot transform version " + std::to_string(from) + " to the newer version " + std::to_string(to) +
                ": backward transforms only go to older versions (to <= from)");
}

const Matrix& TransformChain::composed(int from, int to) const {
  check(from, to);
  std::lock_guard<std::mutex> lock(cache_->mu);
  auto it = cache_->products.find({from, to});
  if (it != cache_->products.end()) return it->second;
  Matrix m = identity_matrix(dims_[static_cast<size_t>(from)]);
  for (int k = from; k > to; --k) m = matmul(steps_[static_cast<size_t>(k - 1)], m);
  return cache_->products.emplace(std::make_pair(from, to), std::move(m)).first->second;
}

Matrix TransformChain::apply(const Matrix& z, int from, int to) const {
  const Matrix& m = composed(from, to);
  if (z.cols != m.cols)
    throw Error("dimension mismatch: embeddings have " + std::to_string(z.cols) + " columns, version " +
                std::to_string(from) + " has dimension " + std::to_string(m.cols));
  return matmul_bt(z, m);
}

Matrix TransformChain::apply_chain(const Matrix& z, int from, int to) const {
  check(from, to);
  if (z.cols != dims_[static_cast<size_t>(from)])
    throw Error("dimension mismatch: embeddings have " + std::to_string(z.cols) + " columns, version " +
                std::to_string(from) + " has dimension " + std::to_string(dims_[static_cast<size_t>(from)]));
  Matrix cur = z;
  for (int k = from; k > to; --k) cur = matmul_bt(cur, steps_[static_cast<size_t>(k - 1)]);
  return cur;
}

}  // namespace bcemb
