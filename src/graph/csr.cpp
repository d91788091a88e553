#include "bcemb/graph/csr.h"

namespace bcemb {

CsrMatrix CsrMatrix::transposed() const {
  CsrMatrix t;
  t.rows = cols;
  t.cols = rows;
  t.indptr.assign(static_cast<size_t>(cols + 1), 0);
  for (const int32_t c : indices) ++t.indptr[c + 1];
  for (int64_t c = 0; c < cols; ++c) t.indptr[c + 1] += t.indptr[c];
  t.indices.resize(indices.size());
  t.values.resize(values.size());
  std::vector<int64_t> next(t.indptr.begin(), t.indptr.end() - 1);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t e = indptr[r]; e < indptr[r + 1]; ++e) {
      const int64_t pos = next[indices[e]]++;
      t.indices[pos] = static_cast<int32_t>(r);
      t.values[pos] = values[e];
    }
  }
  return t;
}

CsrMatrix multiply(const CsrMatrix& a, const CsrMatrix& b) {
  CsrMatrix c;
  c.rows = a.rows;
  c.cols = b.cols;
  c.indptr.reserve(static_cast<size_t>(a.rows + 1));
  std::vector<float> acc(static_cast<size_t>(b.cols), 0.0f);
  std::vector<char> used(static_cast<size_t>(b.cols), 0);
  std::vector<int32_t> touched;
  for (int64_t r = 0; r < a.rows; ++r) {
    for (int64_t e = a.indptr[r]; e < a.indptr[r + 1]; ++e) {
      const int32_t k = a.indices[e];
      const float w = a.values[e];
      for (int64_t f = b.indptr[k]; f < b.indptr[k + 1]; ++f) {
        const int32_t col = b.indices[f];
        if (!used[col]) {
          used[col] = 1;
          touched.push_back(col);
        }
        acc[col] += w * b.values[f];
      }
    }
    for (const int32_t col : touched) {
      c.indices.push_back(col);
      c.values.push_back(acc[col]);
      acc[col] = 0.0f;
      used[col] = 0;
    }
    touched.clear();
    c.indptr.push_back(c.nnz());
  }
  return c;
}

}  // namespace bcemb
