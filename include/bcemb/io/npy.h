#pragma once
// NumPy .npy files (format 1.0/2.0), the exchange format for embeddings and
// transforms: little-endian float32 ('<f4') or int64 ('<i8'), C order.
// Readers validate the header and that the payload size matches the shape,
// so truncated or corrupt files fail with the file name in the message.
#include <cstdint>
#include <string>
#include <vector>

namespace bcemb {

struct NpyArray {
  std::vector<int64_t> shape;
  std::string dtype;       // "<f4" or "<i8"
  std::vector<char> data;  // raw little-endian payload
  int64_t numel() const;
  const float* f32() const { return reinterpret_cast<const float*>(data.data()); }
  const int64_t* i64() const { return reinterpret_cast<const int64_t*>(data.data()); }
};

// Bytes of a complete .npy file (header + payload).
std::string npy_bytes(const void* data, const std::vector<int64_t>& shape, const std::string& dtype);
void write_npy_f32(const std::string& path, const float* data, const std::vector<int64_t>& shape);
void write_npy_i64(const std::string& path, const int64_t* data, const std::vector<int64_t>& shape);
NpyArray read_npy(const std::string& path);
NpyArray parse_npy(const std::string& bytes, const std::string& name);

// A 2-D float32 matrix, row-major; the in-memory form of embeddings and B's.
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;
  Matrix() = default;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), data(static_cast<size_t>(r * c), 0.0f) {}
  float* row(int64_t i) { return data.data() + i * cols; }
  const float* row(int64_t i) const { return data.data() + i * cols; }
  float& at(int64_t i, int64_t j) { return data[static_cast<size_t>(i * cols + j)]; }
  float at(int64_t i, int64_t j) const { return data[static_cast<size_t>(i * cols + j)]; }
};

Matrix read_matrix_npy(const std::string& path);  // requires 2-D '<f4'
void write_matrix_npy(const std::string& path, const Matrix& m);

}  // namespace bcemb
